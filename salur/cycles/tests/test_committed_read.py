"""On PostgreSQL, outside a transaction, the registry is read over ADBC in one snapshot
(core/bulk.py read_committed_frames); inside one it is read with COPY. Both give the same frames."""

from __future__ import annotations

import polars as pl
import pytest
from django.core.management import call_command
from django.db import transaction

from salur.core.bulk import read_committed_frames
from salur.cycles.batch import pipeline
from salur.cycles.models import Cycle
from salur.payments.batch import files

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def regions(transactional_db, django_db_blocker):
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


def test_the_committed_read_equals_the_read_inside_a_transaction(regions, golden_cycle_inputs, admin_user):
    assert read_committed_frames({"one": "SELECT 1 AS x"}) is not None
    with transaction.atomic():
        assert read_committed_frames({"one": "SELECT 1 AS x"}) is None  # would not see uncommitted rows
        inside = pipeline.read_inputs()
    outside = pipeline.read_inputs()
    assert outside.households.height > 300
    assert outside.households.equals(inside.households)
    assert outside.members.equals(inside.members)
    assert pipeline.snapshot_sha256(outside, {}) == pipeline.snapshot_sha256(inside, {})

    call_command("cycle_create", program="SEMBAKO", period="2024-05", user=admin_user.username)
    cycle_id = Cycle.objects.get().pk
    fast = files.first_batch_source(cycle_id)
    with transaction.atomic():
        slow = files.first_batch_source(cycle_id)
    assert fast.height > 0
    rows_fast = pl.concat(
        files.first_batch_chunks(fast, cycle_id=cycle_id, cycle_code="SEMBAKO-2024-05", batch_id=1)
    )
    rows_slow = pl.concat(
        files.first_batch_chunks(slow, cycle_id=cycle_id, cycle_code="SEMBAKO-2024-05", batch_id=1)
    )
    assert rows_fast.equals(rows_slow)
