"""Reads of the budget: allocation, commitments and realisation per program and year."""

from __future__ import annotations

from typing import Any

from django.db import connection

from salur.budget.models import Allocation
from salur.programs.models import Program


def absorption(actor: Any, year: int) -> list[dict[str, Any]]:
    """Per program: allocation (DIPA), committed (approved cycles), paid (DIBAYAR), retur (failed or unclaimed
    and not paid again) and absorption in percent (paid / allocation), like "Rp127.1 trillion, 65.5% absorbed".

    National figures (budget lines are national); `actor` is accepted for symmetry with other selectors."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.program_id, COALESCE(SUM(c.total), 0) FROM cycles_cycle c"
            " WHERE c.year = %s AND c.status IN ('disetujui', 'diekspor') GROUP BY c.program_id",
            [year],
        )
        committed = {pid: int(v) for pid, v in cursor.fetchall()}
        cursor.execute(
            "SELECT c.program_id, COALESCE(SUM(p.paid_amount), 0) FROM payments_payment p"
            " JOIN cycles_cycle c ON c.id = p.cycle_id WHERE c.year = %s AND p.status = 'DIBAYAR'"
            " GROUP BY c.program_id",
            [year],
        )
        paid = {pid: int(v) for pid, v in cursor.fetchall()}
        cursor.execute(
            "SELECT c.program_id, COALESCE(SUM(p.nominal), 0) FROM payments_payment p"
            " JOIN cycles_cycle c ON c.id = p.cycle_id WHERE c.year = %s"
            " AND p.status IN ('GAGAL', 'TIDAK_DIAMBIL') AND NOT EXISTS (SELECT 1 FROM payments_payment q"
            " WHERE q.program_code = p.program_code AND q.period = p.period AND q.household_id = p.household_id"
            " AND q.batch_id > p.batch_id) GROUP BY c.program_id",
            [year],
        )
        retur = {pid: int(v) for pid, v in cursor.fetchall()}
    allocations = {a.program_id: a.amount for a in Allocation.objects.filter(year=year)}
    rows = []
    for program in Program.objects.order_by("code"):
        pid = program.pk
        if pid not in allocations and pid not in committed:
            continue
        allocation = allocations.get(pid, 0)
        p = paid.get(pid, 0)
        rows.append(
            {
                "program": program.code,
                "nama": program.nama,
                "year": year,
                "allocation": allocation,
                "committed": committed.get(pid, 0),
                "paid": p,
                "retur": retur.get(pid, 0),
                "remaining": allocation - committed.get(pid, 0),
                "absorption_pct": round(100 * p / allocation, 1) if allocation else 0.0,
            }
        )
    return rows
