"""The demo step: lists from the registry, re-registered people, a run, a queue; a second run changes nothing."""

from __future__ import annotations

import pytest

from salur.dataquality import demo
from salur.dataquality.models import CrosscheckFlag, DedupRun, DuplicatePair, ListRowCandidate, ReferenceList

pytestmark = pytest.mark.django_db


def test_the_demo_step_fills_the_queue_and_is_idempotent(golden_registry, make_user, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    users = {
        "demo_admin": make_user("demo_admin", "admin_pusat"),
        "verifikator_pusat": make_user("vp", "verifikator"),
    }
    lines: list[str] = []
    demo.run(users, lines.append)
    assert ReferenceList.objects.filter(active=True).count() == 3
    assert CrosscheckFlag.objects.filter(kind="ASN").count() == demo.LISTS["asn"]
    assert ListRowCandidate.objects.count() >= 3
    assert DedupRun.objects.count() == 1
    assert DuplicatePair.objects.filter(status="baru").count() > 10
    assert DuplicatePair.objects.filter(status="digabung").count() == 1
    pairs = DuplicatePair.objects.count()
    demo.run(users, lines.append)
    assert (DedupRun.objects.count(), DuplicatePair.objects.count()) == (1, pairs)
    assert "dipakai ulang" in lines[-1]
