from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.cycles.services import cycle_cancel


class Command(SalurCommand):
    help = "Membatalkan siklus yang belum diekspor; komitmen anggarannya dilepas."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("code")
        parser.add_argument("--reason", required=True)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            cycle = cycle_cancel(actor=actor, code=options["code"], reason=options["reason"])
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        if options["json"]:
            self.emit_json({"cycle": cycle.code, "status": cycle.status})
        else:
            self.stdout.write(f"Siklus {cycle.code} dibatalkan.")
