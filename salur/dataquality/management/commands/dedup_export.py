from pathlib import Path

import polars as pl

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed
from salur.dataquality.selectors import pairs_export_frame


class Command(SalurCommand):
    help = "Menulis pasangan kandidat duplikat orang ke CSV: nik_a, nik_b, skor, alasan (kontrak cli.md)."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument(
            "--status", default="baru", choices=["baru", "digabung", "ditolak", "semua"], help="bawaan: baru"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            frame: pl.DataFrame = pairs_export_frame(
                actor=actor, status="" if options["status"] == "semua" else options["status"]
            )
        except Exception as exc:  # PermissionDenied and the like: exit 2 with the reason
            raise CommandFailed(str(exc)) from exc
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.write_csv(out)
        if options["json"]:
            self.emit_json({"out": str(out), "pairs": frame.height})
        else:
            self.stdout.write(f"{frame.height} pasangan ditulis ke {out}.")
