from django.core.management import call_command

from salur.core.commands import SalurCommand


class Command(SalurCommand):
    help = "Menjalankan aplikasi web (server pengembangan Django; untuk produksi lihat docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options):
        call_command("runserver", options["addrport"], use_reloader=False, use_threading=True)
