from pathlib import Path

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, PermissionDenied
from salur.registry.services import registry_export


class Command(SalurCommand):
    help = "Ekspor registri ke keluarga.csv dan anggota.csv (format pertukaran); hanya wilayah pengguna."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            result = registry_export(actor=actor, out_dir=options["out"])
        except PermissionDenied as exc:
            raise CommandFailed(str(exc)) from exc
        payload = {
            "keluarga": str(result.keluarga),
            "anggota": str(result.anggota),
            "households": result.households,
            "members": result.members,
        }
        if options["json"]:
            self.emit_json(payload)
        else:
            self.stdout.write(
                f"{result.households} keluarga dan {result.members} anggota ditulis ke {options['out']}"
            )
