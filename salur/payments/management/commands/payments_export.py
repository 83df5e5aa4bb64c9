from pathlib import Path

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.payments.services import payments_export


class Command(SalurCommand):
    help = "Menulis berkas pembayaran dan manifes per saluran untuk siklus yang sudah disetujui."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("code")
        parser.add_argument("--out", required=True)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            written = payments_export(actor=actor, code=options["code"], out_dir=Path(options["out"]))
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        except OSError as exc:
            raise CommandFailed(f"Folder keluaran tidak dapat ditulis: {exc.strerror or exc}") from exc
        if options["json"]:
            self.emit_json({"cycle": options["code"].upper(), "files": written})
        else:
            for m in written:
                rupiah = f"{m['total_nominal']:,}".replace(",", ".")
                self.stdout.write(f"{m['file']}: {m['jumlah_baris']} baris, Rp{rupiah}, sha256 {m['sha256']}")
