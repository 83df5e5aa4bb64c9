"""The README's first command on a real SQLite file (the suite's own SQLite database lives in memory, where the
file-only paths such as core/sqlite_reader.py are never taken): setup, then the demo, as separate processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest
from django.db import connection


def test_the_demo_runs_the_whole_chain_on_a_database_file(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("runs once, in the SQLite pass")
    db = tmp_path / "demo.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "SALUR_VAR_DIR": str(tmp_path / "var")}
    for args in (["setup"], ["demo", "--households", "400"]):
        proc = subprocess.run(
            [sys.executable, "-m", "salur.cli", *args], env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    with sqlite3.connect(db) as check:
        paid = check.execute("SELECT count(*) FROM payments_payment WHERE status = 'DIBAYAR'").fetchone()[0]
        batches = check.execute("SELECT max(number) FROM payments_paymentbatch").fetchone()[0]
        entitled = check.execute(
            "SELECT count(*) FROM cycles_entitlement e JOIN cycles_cycle c ON c.id = e.cycle_id"
            " WHERE c.code LIKE 'PKH-%' AND e.eligible AND e.nominal > 0"
        ).fetchone()[0]
        first_batch = check.execute(
            "SELECT count(*) FROM payments_payment p JOIN payments_paymentbatch b ON b.id = p.batch_id"
            " JOIN cycles_cycle c ON c.id = p.cycle_id WHERE c.code LIKE 'PKH-%' AND b.number = 1"
        ).fetchone()[0]
    assert paid > 0
    assert batches == 2  # the follow-up batch of the PKH cycle
    assert first_batch == entitled > 0  # every entitlement became a payment of batch 1
