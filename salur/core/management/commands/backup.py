from pathlib import Path

from django.utils import timezone

from salur.core.backup import backup_sqlite
from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError


class Command(SalurCommand):
    help = "Cadangan daring basis data SQLite bawaan (PostgreSQL: lihat docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        from django.conf import settings

        out = (
            options["out"]
            or Path(settings.VAR_DIR) / "backup" / f"salur-{timezone.now():%Y%m%d-%H%M%S}.sqlite3"
        )
        try:
            result = backup_sqlite(out=out)
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        if options["json"]:
            self.emit_json(result)
        else:
            self.stdout.write(f"Cadangan ditulis: {result['backup']} ({result['bytes']} bita)")
