from salur.core.commands import SalurCommand
from salur.grievances.services import grievances_escalate


class Command(SalurCommand):
    help = (
        "Menaikkan setiap pengaduan terbuka yang melewati batas waktu ke tingkat berikutnya "
        "(kabupaten/kota -> provinsi -> pusat), dalam satu perintah UPDATE; aman dijalankan dari cron."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        result = grievances_escalate(actor=None)
        if options["json"]:
            self.emit_json({"escalated": result["escalated"], "cutoff": result["cutoff"]})
        else:
            self.stdout.write(f"{result['escalated']} pengaduan dinaikkan ke tingkat berikutnya.")
