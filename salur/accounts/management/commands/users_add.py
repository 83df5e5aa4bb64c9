import sys

from salur.accounts.services import user_create
from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError


class Command(SalurCommand):
    acts_as_user = True
    help = "Membuat pengguna: salur users add NAMA --role PERAN [--wilayah KODE] [--password-stdin]"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("name")
        parser.add_argument("--role", required=True)
        parser.add_argument("--wilayah", default=None)
        parser.add_argument("--unit", default=None, help="kode unit (wilayah kerja mengikuti unit)")
        parser.add_argument("--password-stdin", action="store_true")
        parser.add_argument("--json", action="store_true")

    def _acting(self, options):
        from django.contrib.auth import get_user_model

        # The first administrator is created by `salur setup`; after that a user is created by someone.
        if not get_user_model().objects.exists():
            return None
        return self.actor(options)

    def handle(self, *args, **options):
        password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else None
        try:
            user = user_create(
                username=options["name"],
                role=options["role"],
                wilayah=options["wilayah"],
                password=password,
                unit=options["unit"],
                actor=self._acting(options),
            )
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        payload = {
            "user": user.username,
            "role": user.role,
            "wilayah": user.wilayah_id or "",
            "unit": user.unit.kode if user.unit_id else "",
            "scope": list(user.scope_prefixes),
        }
        if options["json"]:
            self.emit_json(payload)
        else:
            self.stdout.write(f"Pengguna {user.username} ({user.role}) dibuat.")
