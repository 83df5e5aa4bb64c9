"""`salur enrolment decide`: penetapan from the command line, the same service as the web and the API."""

from __future__ import annotations

import datetime as dt

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed, SalurError
from salur.enrolment.services import enrolment_decide
from salur.programs.models import Program


class Command(SalurCommand):
    help = (
        "Menetapkan (SK) semua calon terverifikasi layak sebuah program, opsional satu wilayah; "
        "ditolak bila pengguna mengusulkan atau memverifikasi salah satunya."
    )
    acts_as_user = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--program", required=True, help="kode program, mis. PKH")
        parser.add_argument("--sk", required=True, help="nomor SK penetapan")
        parser.add_argument("--sk-date", required=True, help="tanggal SK, YYYY-MM-DD")
        parser.add_argument("--wilayah", default="", help="batasi ke kode wilayah (awalan), mis. 33.25")
        parser.add_argument("--expected", type=int, default=None, help="jumlah keluarga yang diharapkan")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        actor = self.actor(options)
        program = Program.objects.filter(code=options["program"]).first()
        if program is None:
            raise CommandFailed(f"Program '{options['program']}' tidak dikenal")
        try:
            sk_date = dt.date.fromisoformat(options["sk_date"])
        except ValueError as exc:
            raise CommandFailed(f"Tanggal SK '{options['sk_date']}' bukan tanggal YYYY-MM-DD") from exc
        try:
            decision = enrolment_decide(
                actor=actor,
                program=program,
                sk_number=options["sk"],
                sk_date=sk_date,
                wilayah=options["wilayah"],
                expected_count=options["expected"],
            )
        except SalurError as exc:
            raise CommandFailed(str(exc)) from exc
        if options["json"]:
            self.emit_json(
                {
                    "id": decision.pk,
                    "program": program.code,
                    "sk_number": decision.sk_number,
                    "sk_date": decision.sk_date.isoformat(),
                    "wilayah": decision.wilayah,
                    "count": decision.count,
                }
            )
        else:
            self.stdout.write(
                f"SK {decision.sk_number}: {decision.count} keluarga ditetapkan sebagai peserta {program.code}."
            )
