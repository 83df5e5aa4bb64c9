from salur.budget.services import allocation_set
from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError


class Command(SalurCommand):
    help = "Menetapkan pagu anggaran (DIPA) sebuah program untuk satu tahun."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--program", required=True)
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--amount", required=True, type=int, help="rupiah, bilangan bulat")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            allocation = allocation_set(
                actor=actor, program=options["program"], year=options["year"], amount=options["amount"]
            )
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        result = {"program": allocation.program.code, "year": allocation.year, "amount": allocation.amount}
        if options["json"]:
            self.emit_json(result)
        else:
            rupiah = f"{allocation.amount:,}".replace(",", ".")
            self.stdout.write(f"Pagu {allocation.program.code} {allocation.year}: Rp{rupiah}")
