from pathlib import Path

from salur.core.commands import SalurCommand
from salur.registry.batch.exporter import export_registry


class Command(SalurCommand):
    help = "Ekspor registri ke keluarga.csv dan anggota.csv (format pertukaran)."
    acts_as_user = True

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        super().add_arguments(parser)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        actor = self.actor(options)
        kel, ang, n_h, n_m = export_registry(out_dir=options["out"], scope_prefix=actor.scope_prefix)
        payload = {"keluarga": str(kel), "anggota": str(ang), "households": n_h, "members": n_m}
        if options["json"]:
            self.emit_json(payload)
        else:
            self.stdout.write(f"{n_h} keluarga dan {n_m} anggota ditulis ke {options['out']}")
