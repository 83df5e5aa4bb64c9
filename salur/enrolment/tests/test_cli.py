"""`salur enrolment decide`: the same decision as the web, refusals exit 2 and change nothing."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from salur.enrolment import services
from salur.enrolment.models import Enrolment
from salur.enrolment.tests.conftest import SK_DATE, VISIT, snapshot

pytestmark = pytest.mark.django_db


def _verified(w, household, proposer):
    e = services.enrolment_propose(actor=proposer, household=household, program=w.pkh, reason="CLI")
    services.enrolment_verify(actor=w.kab2, enrolment=e, result="layak", visit_date=VISIT, officer="Petugas")
    return e


def test_salur_enrolment_decide_fixes_the_verified_list_and_prints_json(world, capsys):
    w = world
    a = _verified(w, w.households[0], w.desa_op)
    b = _verified(w, w.households[1], w.admin)
    before = snapshot()
    with pytest.raises(CommandError) as exc:
        call_command(
            "enrolment_decide", program="PKH", sk="SK-CLI/1", sk_date=SK_DATE.isoformat(), user="e_admin"
        )
    assert exc.value.returncode == 2
    assert "1 keluarga" in str(exc.value)
    assert snapshot() == before
    capsys.readouterr()
    call_command(
        "enrolment_decide",
        program="PKH",
        sk="SK-CLI/1",
        sk_date=SK_DATE.isoformat(),
        wilayah=w.desa,
        expected=2,
        json=True,
        user="e_verif",
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "id": Enrolment.objects.get(pk=a.pk).decision_id,
        "program": "PKH",
        "sk_number": "SK-CLI/1",
        "sk_date": SK_DATE.isoformat(),
        "wilayah": w.desa,
        "count": 2,
    }
    assert set(Enrolment.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {"aktif"}


def test_salur_enrolment_decide_refuses_a_bad_date_and_an_unknown_program(world):
    before = snapshot()
    for kwargs in ({"program": "PKH", "sk_date": "1-3-2024"}, {"program": "XYZ", "sk_date": "2024-03-01"}):
        with pytest.raises(CommandError) as exc:
            call_command("enrolment_decide", sk="SK-X", user="e_verif", **kwargs)
        assert exc.value.returncode == 2
    assert snapshot() == before
