from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.cycles.services import cycle_for
from salur.payments.selectors import reconciliation


class Command(SalurCommand):
    help = "Menampilkan rekonsiliasi pembayaran sebuah siklus."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("code")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            cycle = cycle_for(actor, options["code"])
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        data = reconciliation(cycle, actor=actor)
        if options["json"]:
            self.emit_json(data)
            return

        def rp(n: int) -> str:
            return "Rp" + f"{n:,}".replace(",", ".")

        self.stdout.write(
            f"Rekonsiliasi {cycle.code}: {data['payments']['count']} pembayaran, {rp(data['payments']['amount'])}"
        )
        for status, v in data["by_status"].items():
            self.stdout.write(f"  {status:<14} {v['count']:>9}  {rp(v['amount'])}")
        for channel, v in data["by_channel"].items():
            self.stdout.write(f"  {channel:<14} {v['count']:>9}  {rp(v['amount'])}")
        self.stdout.write(f"  retur: {rp(data['retur_amount'])}; masalah: {data['problems']}")
