"""Two processes at once on PostgreSQL: two exports, or two status imports, still pay nobody twice."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from salur.accounts.models import Role
from salur.payments.models import Payment, StatusImport

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

CODE = "PKH-2024-T2"


def _salur(*args: str, user: str) -> subprocess.Popen:
    s = connection.settings_dict
    url = f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "SALUR_USER": user}
    return subprocess.Popen(
        [sys.executable, "-m", "salur.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _both(a: subprocess.Popen, b: subprocess.Popen) -> tuple[int, int]:
    outs = [p.communicate(timeout=180) for p in (a, b)]
    for p, (_, err) in zip((a, b), outs, strict=True):
        assert p.returncode in (0, 1), err.decode()
    return a.returncode, b.returncode


@pytest.fixture
def approved_cycle(regions, golden_cycle_inputs, make_user, admin_user):
    checker = make_user("checker_conc", Role.ADMIN_PUSAT, None)
    call_command("cycle_create", program="PKH", period="2024-T2", user=admin_user.username)
    call_command("budget_set", program="PKH", year=2024, amount=10**12, user=admin_user.username)
    call_command("cycle_approve", CODE, user=checker.username)
    return admin_user


@pytest.fixture
def regions(transactional_db, django_db_blocker):
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


def test_two_concurrent_exports_and_status_imports_pay_nobody_twice(approved_cycle, tmp_path: Path):
    user = approved_cycle.username
    _both(
        _salur("payments", "export", CODE, "--out", str(tmp_path / "a"), user=user),
        _salur("payments", "export", CODE, "--out", str(tmp_path / "b"), user=user),
    )
    eligible = 125
    assert Payment.objects.filter(cycle__code=CODE).count() == eligible
    for f in sorted((tmp_path / "a").glob("*.csv")):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()

    # Two different status files for the same payments, applied at the same moment: each payment gets exactly
    # one final status, and the same file twice at once is imported once.
    ids = list(Payment.objects.order_by("id_pembayaran").values_list("id_pembayaran", "nominal"))
    paid = tmp_path / "paid.csv"
    failed = tmp_path / "failed.csv"
    header = "id_pembayaran,status,tanggal,nominal_dibayar,keterangan\n"
    paid.write_text(header + "".join(f"{i},DIBAYAR,2024-05-02,{n},\n" for i, n in ids))
    failed.write_text(header + "".join(f"{i},GAGAL,2024-05-02,0,\n" for i, _ in ids))
    _both(
        _salur("payments", "import-status", str(paid), user=user),
        _salur("payments", "import-status", str(failed), user=user),
    )
    statuses = list(Payment.objects.values_list("status", flat=True))
    assert len(statuses) == eligible
    assert set(statuses) <= {"DIBAYAR", "GAGAL"}
    assert len(set(statuses)) == 1  # one file won for every row it touched (one UPDATE in one transaction)
    assert StatusImport.objects.count() == 2
    # The same new file twice at the same moment: recorded once (its sha256 is unique).
    new = tmp_path / "new.csv"
    new.write_text(header + "".join(f"{i},DIBAYAR,2024-05-03,{n},lagi\n" for i, n in ids))
    copy = tmp_path / "new-copy.csv"
    copy.write_bytes(new.read_bytes())
    _both(
        _salur("payments", "import-status", str(new), user=user),
        _salur("payments", "import-status", str(copy), user=user),
    )
    assert StatusImport.objects.count() == 3
    assert list(Payment.objects.values_list("status", flat=True)) == statuses
