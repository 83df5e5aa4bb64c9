from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.cycles.services import approval_state, cycle_approve


class Command(SalurCommand):
    help = "Menyetujui siklus (pembuat siklus tidak boleh menyetujui; total harus muat dalam sisa pagu)."
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("code", help="kode siklus, mis. PKH-2024-T2")
        parser.add_argument("--note", default="")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            cycle = cycle_approve(actor=actor, code=options["code"], note=options["note"])
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        state = approval_state(cycle)
        result = {
            "cycle": cycle.code,
            "status": cycle.status,
            "approvals": state["approvals"],
            "needed": state["needed"],
            "approved": state["complete"],
        }
        if options["json"]:
            self.emit_json(result)
        elif state["complete"]:
            self.stdout.write(f"Siklus {cycle.code} disetujui.")
        else:
            self.stdout.write(
                f"Persetujuan dicatat ({len(state['approvals'])} dari {state['needed']}); "
                f"siklus {cycle.code} masih menunggu penyetuju tingkat {state['tier']['level']}."
            )
