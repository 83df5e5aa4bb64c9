from pathlib import Path

from salur.core.backup import restore_sqlite
from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError


class Command(SalurCommand):
    help = "Memulihkan basis data SQLite bawaan dari cadangan (hentikan server web lebih dulu)."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path)
        parser.add_argument("--yes", action="store_true", help="tanpa konfirmasi")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandFailed("Pemulihan menimpa basis data yang ada; ulangi dengan --yes bila sudah yakin")
        try:
            result = restore_sqlite(source=options["backup"])
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        from salur.core.audit import audit_verify

        verify = audit_verify()
        result["audit_ok"] = verify.ok
        if options["json"]:
            self.emit_json(result)
        else:
            self.stdout.write(
                f"Dipulihkan dari {options['backup']}; jejak audit {'utuh' if verify.ok else 'RUSAK'}."
            )
