"""Benchmark of penetapan (not collected by pytest): one SK over every household of the registry.

    uv run --frozen salur shell -c "from salur.enrolment.tests.bench_decide import main; main()"

Prepares (set-based, untimed) one PKH enrolment per household, proposed and verified layak by two Dinsos users,
then times `enrolment_decide` by a third, central user. Run it on a scratch database only: it writes proposals
that nobody made.
"""

from __future__ import annotations

import sys
import time
import uuid

from django.db import connection, transaction
from django.utils import timezone


def _user(username: str, role: str, wilayah: str | None):
    from django.contrib.auth import get_user_model

    from salur.accounts.services import user_create

    existing = get_user_model().objects.filter(username=username).first()
    return existing or user_create(username=username, role=role, wilayah=wilayah, password=None)


def prepare() -> int:
    from salur.enrolment.models import Enrolment, Proposal, Verification
    from salur.programs.models import Program
    from salur.registry.models import Household

    proposer = _user("bench_usul", "admin_pusat", None)
    verifier = _user("bench_verval", "operator_dinsos_prov", None)
    pkh = Program.objects.get(code="PKH")
    today, now = timezone.localdate(), timezone.now()
    t = {
        m: connection.ops.quote_name(m._meta.db_table) for m in (Enrolment, Proposal, Verification, Household)
    }
    with transaction.atomic(), connection.cursor() as c:
        c.execute(
            f"INSERT INTO {t[Enrolment]} (household_id, program_id, status, step, exit_reason, status_since, "
            "created_at, updated_at) "
            f"SELECT h.id, %s, 'calon', 'diusulkan', '', %s, %s, %s FROM {t[Household]} h "
            f"WHERE NOT EXISTS (SELECT 1 FROM {t[Enrolment]} e WHERE e.household_id = h.id AND e.program_id = %s)",
            [pkh.pk, today, now, now, pkh.pk],
        )
        c.execute(
            f"INSERT INTO {t[Proposal]} (enrolment_id, proposed_by_id, proposed_at, source, reason, notes) "
            f"SELECT id, %s, %s, 'pusat', 'bench', '' FROM {t[Enrolment]} WHERE proposal_id IS NULL",
            [proposer.pk, now],
        )
        c.execute(
            f"UPDATE {t[Enrolment]} SET proposal_id = p.id FROM {t[Proposal]} p "
            f"WHERE p.enrolment_id = {t[Enrolment]}.id AND {t[Enrolment]}.proposal_id IS NULL"
        )
        c.execute(
            f"INSERT INTO {t[Verification]} (enrolment_id, proposal_id, result, visit_date, officer, notes, "
            "verified_by_id, verified_at) "
            f"SELECT id, proposal_id, 'layak', %s, 'bench', '', %s, %s FROM {t[Enrolment]} "
            "WHERE verification_id IS NULL AND step = 'diusulkan'",
            [today, verifier.pk, now],
        )
        c.execute(
            f"UPDATE {t[Enrolment]} SET verification_id = v.id, step = 'terverifikasi' FROM {t[Verification]} v "
            f"WHERE v.proposal_id = {t[Enrolment]}.proposal_id AND {t[Enrolment]}.step = 'diusulkan'"
        )
    return Enrolment.objects.filter(program=pkh, step="terverifikasi").count()


def main() -> None:
    from salur.enrolment.services import enrolment_decide
    from salur.programs.models import Program

    started = time.perf_counter()
    n = prepare()
    sys.stdout.write(f"persiapan: {n} calon terverifikasi ({time.perf_counter() - started:.1f} dtk)\n")
    decider = _user("bench_sk", "verifikator", None)
    started = time.perf_counter()
    decision = enrolment_decide(
        actor=decider,
        program=Program.objects.get(code="PKH"),
        sk_number=f"BENCH-{uuid.uuid4().hex[:8]}",
        sk_date=timezone.localdate(),
    )
    seconds = time.perf_counter() - started
    sys.stdout.write(f"penetapan: {decision.count} keluarga dalam {seconds:.2f} dtk ({connection.vendor})\n")
