from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.dataquality.services import dedup_run


class Command(SalurCommand):
    help = "Mencari orang dan keluarga yang kemungkinan terdaftar ganda di seluruh registri; pasangan masuk antrean tinjauan."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--threshold", type=float, default=None, help="skor minimum pasangan (0-1; bawaan 0,8)"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        threshold = options["threshold"]
        if threshold is not None and not 0 < threshold < 1:
            raise CommandFailed("--threshold harus di antara 0 dan 1")
        try:
            run = dedup_run(actor=actor, threshold=threshold)
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        payload = {
            "run": run.pk,
            "persons": run.persons,
            "compared_pairs": run.compared_pairs,
            "person_pairs": run.person_pairs,
            "household_pairs": run.household_pairs,
            "new_pairs": run.new_pairs,
            "seconds": run.seconds,
        }
        if options["json"]:
            self.emit_json(payload)
        else:
            self.stdout.write(
                f"Deteksi duplikat #{run.pk}: {run.persons} orang, {run.person_pairs} pasangan orang, "
                f"{run.household_pairs} pasangan keluarga ({run.new_pairs} baru), {run.seconds:.1f} detik."
            )
