import os
import secrets
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command

from salur.core.commands import SalurCommand


class Command(SalurCommand):
    help = "Skema basis data, wilayah, program bawaan, dan pengguna admin bila belum ada (aman diulang)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        from salur.programs.services import catalogue_load_defaults
        from salur.regions.services import regions_load

        t0 = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        regions = regions_load()
        catalogue_load_defaults()
        User = get_user_model()  # noqa: N806
        admin_created = False
        password = None
        if not User.objects.filter(is_superuser=True).exists():
            password = os.environ.get("SALUR_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", password=password, role="admin_pusat")
            admin_created = True
        result = {
            "regions": regions["wilayah_2025"],
            "historical_kecamatan": regions["kecamatan_historis"],
            "regions_skipped": regions["wilayah_2025_skipped"],
            "admin_created": admin_created,
            "seconds": round(time.monotonic() - t0, 2),
        }
        if options["json"]:
            self.emit_json(result)
        else:
            self.stdout.write(
                f"Salur siap: {result['regions']} wilayah, {result['historical_kecamatan']} kode kecamatan lama"
                f" ({result['seconds']} dtk)."
            )
            if admin_created:
                self.stdout.write(f"Pengguna admin dibuat: admin / {password}")
