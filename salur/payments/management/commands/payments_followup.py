from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.payments.services import followup_approve, followup_create


class Command(SalurCommand):
    help = (
        "Batch susulan: menerbitkan ulang pembayaran GAGAL/TIDAK_DIAMBIL sebuah siklus (buat), atau menyetujuinya "
        "(--approve N, oleh pengguna lain)."
    )
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("code")
        parser.add_argument(
            "--approve", type=int, default=None, metavar="N", help="nomor batch yang disetujui"
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        try:
            if options["approve"] is not None:
                batch = followup_approve(actor=actor, code=options["code"], number=options["approve"])
            else:
                batch = followup_create(actor=actor, code=options["code"])
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        result = {
            "cycle": batch.cycle.code,
            "batch": batch.number,
            "payments": batch.payments,
            "total": batch.total,
            "approved": batch.approved_at is not None,
        }
        if options["json"]:
            self.emit_json(result)
        else:
            self.stdout.write(
                f"Batch #{batch.number} {batch.cycle.code}: {batch.payments} pembayaran, Rp{batch.total} "
                + ("(disetujui)" if batch.approved_at else "(menunggu persetujuan)")
            )
