from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.cycles.services import cycle_create, cycle_summary


class Command(SalurCommand):
    help = (
        "Membuat siklus program untuk satu periode: menentukan kelayakan dan menghitung hak setiap keluarga."
    )
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--program", required=True, help="kode program, mis. PKH atau SEMBAKO")
        parser.add_argument("--period", required=True, help="periode: 2024-T2 (tahap) atau 2024-05 (bulan)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            cycle = cycle_create(actor=actor, program=options["program"], period=options["period"])
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        summary = cycle_summary(cycle)
        if options["json"]:
            self.emit_json(summary)
        else:
            rupiah = f"{cycle.total:,}".replace(",", ".")
            self.stdout.write(f"Siklus {cycle.code} dibuat: {cycle.eligible} KPM layak, total Rp{rupiah}.")
