from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.targeting.services import pmt_score, score_run_summary


class Command(SalurCommand):
    help = (
        "Menghitung skor PMT semua keluarga dan desil nasional bagi keluarga tanpa desil dari data (DTSEN); "
        "desil dari data tidak pernah ditimpa."
    )
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            run = pmt_score(actor=actor)
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        summary = score_run_summary(run)
        if options["json"]:
            self.emit_json(summary)
            return
        self.stdout.write(
            f"Skor PMT (model v{run.model_version}) dihitung untuk {run.households} keluarga: "
            f"{run.computed} mendapat desil hitungan, {run.supplied} tetap dengan desil dari data; "
            f"{run.changed} baris berubah ({run.seconds:.1f} detik)."
        )
        dist = ", ".join(f"{d}: {n}" for d, n in run.desil_computed.items())
        self.stdout.write(f"Desil hitungan: {dist}")
