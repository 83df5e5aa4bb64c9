from pathlib import Path

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.payments.selectors import verify_file


class Command(SalurCommand):
    help = "Memeriksa berkas pembayaran: manifes, sha256 saat ekspor, dan tanda tangan setiap baris."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        try:
            result = verify_file(Path(options["file"]))
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        if options["json"]:
            self.emit_json(result)
        elif result["ok"]:
            self.stdout.write(f"{result['file']}: utuh ({result['rows']} baris, tanda tangan cocok).")
        else:
            self.stdout.write(f"{result['file']}: TIDAK UTUH")
            for p in result["problems"][:20]:
                self.stdout.write(
                    f"  baris {p['baris']}: {p['kode']} {p.get('id_pembayaran', p.get('keterangan', ''))}"
                )
        if not result["ok"]:
            raise SystemExit(1)
