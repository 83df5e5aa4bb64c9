"""The visit report (field report 001, Palembang form): cash cycles + goods handed over + santunan = total."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from salur.cycles.models import Entitlement
from salur.distribution.visit import visit_report
from salur.santunan.services import claim_decide, claim_documents, claim_submit
from salur.santunan.tests.test_claims import ALL_DOCS, claim_for

pytestmark = pytest.mark.django_db


def test_the_visit_report_adds_cycles_and_santunan_to_one_total(programs, batang, jateng, family, admin_user):
    claim = claim_for(batang, family)
    claim_documents(actor=batang, claim=claim, documents=ALL_DOCS)
    claim_submit(actor=batang, claim=claim)
    claim_decide(actor=jateng, claim=claim, approve=True)
    today = timezone.localdate()
    period = f"{today.year}-{today.month:02d}"
    call_command("cycle_create", program="SEMBAKO", period=period, user=admin_user.username)
    cash = Entitlement.objects.filter(cycle__code=f"SEMBAKO-{period}", eligible=True)

    report = visit_report(actor=admin_user, start=today.replace(day=1), end=today)
    rows = {r.program: r for r in report.rows}
    assert rows["SANTUNAN"].recipients == 1
    assert rows["SANTUNAN"].value == 15_000_000
    if cash.exists():
        assert rows[f"SEMBAKO {period}"].value == sum(e.nominal for e in cash)
    assert report.value == sum(r.value for r in report.rows)
    assert report.recipients == sum(r.recipients for r in report.rows)
    # A period without anything handed over gives an empty report, and another region sees nothing of Batang.
    empty = visit_report(actor=admin_user, start=dt.date(2001, 1, 1), end=dt.date(2001, 1, 31))
    assert (empty.rows, empty.value) == ([], 0)
    outside = visit_report(actor=admin_user, start=today.replace(day=1), end=today, kode_wilayah="1872")
    assert outside.value == 0
