from salur.core.audit import audit_verify
from salur.core.commands import SalurCommand


class Command(SalurCommand):
    help = "Memeriksa rantai hash jejak audit; menyebut tautan pertama yang putus (exit 1 bila ada)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--expect-head", default="", help="hash kepala rantai yang dicatat sebelumnya")

    def handle(self, *args, **options):
        result = audit_verify()
        data = result.as_dict()
        if options["expect_head"] and result.ok and options["expect_head"] != result.head_hash:
            known = options["expect_head"]
            from salur.core.models import AuditEntry

            if not AuditEntry.objects.filter(hash=known).exists():
                data.update(
                    ok=False, reason="hash kepala yang dicatat tidak ada lagi di rantai: rantai ditulis ulang"
                )
        if options["json"]:
            self.emit_json(data)
        elif data["ok"]:
            self.stdout.write(f"Jejak audit utuh: {data['checked']} entri, kepala {data['head_hash']}")
        else:
            self.stdout.write(f"JEJAK AUDIT RUSAK: {data['reason']}")
        if not data["ok"]:
            raise SystemExit(1)
