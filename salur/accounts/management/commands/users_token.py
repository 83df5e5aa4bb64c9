from django.contrib.auth import get_user_model

from salur.accounts.tokens import token_create
from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed


class Command(SalurCommand):
    help = (
        "Membuat token API untuk pengguna yang sudah ada dan menampilkannya sekali: salur users token NAMA [--json]."
        " Pakai dengan header `Authorization: Token <token>`."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="nama pengguna")
        parser.add_argument(
            "--label", default="cli", help="nama token, untuk mengenalinya nanti (bawaan: cli)"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        User = get_user_model()  # noqa: N806
        user = User.objects.filter(username=options["name"], is_active=True).first()
        if user is None:
            raise CommandFailed(f"Pengguna '{options['name']}' tidak ada atau tidak aktif")
        key = token_create(user=user, name=options["label"])
        if options["json"]:
            self.emit_json({"user": user.username, "token": key})
        else:
            # The key alone on standard output, so that a script can capture it; it is stored hashed only.
            self.stderr.write(
                f"Token API untuk {user.username} (simpan sekarang; tidak akan ditampilkan lagi):"
            )
            self.stdout.write(key)
