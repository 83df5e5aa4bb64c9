from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.cycles.services import tier_set


class Command(SalurCommand):
    help = "Mengatur tingkat persetujuan: siklus dengan total di atas batas memerlukan penyetuju kedua bertingkat."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--above", required=True, type=int, help="batas total (rupiah)")
        parser.add_argument("--level", required=True, type=int, help="tingkat minimal penyetuju kedua (>= 2)")
        parser.add_argument("--program", default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            tier = tier_set(
                actor=actor, above=options["above"], level=options["level"], program=options["program"]
            )
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        result = {"above": tier.above, "level": tier.level, "program": options["program"]}
        if options["json"]:
            self.emit_json(result)
        else:
            self.stdout.write(
                f"Tingkat persetujuan diatur: di atas Rp{tier.above} perlu penyetuju tingkat {tier.level}."
            )
