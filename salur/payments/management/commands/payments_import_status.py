from pathlib import Path

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.payments.services import status_import


class Command(SalurCommand):
    help = "Menerapkan berkas status pembayaran (DIBAYAR, GAGAL, TIDAK_DIAMBIL) dari bank atau PT Pos."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            result = status_import(actor=actor, path=Path(options["file"]))
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        data = result.as_dict()
        if options["json"]:
            self.emit_json(data)
        elif result.already_imported:
            self.stdout.write("Berkas ini sudah pernah diimpor; tidak ada yang berubah.")
        else:
            self.stdout.write(
                f"{result.rows} baris dibaca, {result.applied} diterapkan, {result.unchanged} sudah tercatat."
            )
            for code, n in result.problems.items():
                if n:
                    self.stderr.write(f"  {code}: {n} baris tidak diterapkan")
        if any(result.problems.values()) and not result.already_imported:
            raise SystemExit(1)
