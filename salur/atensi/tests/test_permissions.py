"""ATENSI pages and API against every role: only the case's Sentra (in its area) and national viewers see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from salur.atensi.models import Case
from salur.atensi.services import case_open
from salur.distribution.tests.factories import sentra_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(handayani, lansia):
    return case_open(
        actor=handayani,
        nik=lansia.nik,
        cluster="lansia",
        referral_source="slrt",
        opened_on=dt.date(2024, 3, 1),
    )


@pytest.mark.parametrize(
    ("role", "wilayah", "index", "detail"),
    [
        ("admin_pusat", None, 200, 200),
        ("auditor", None, 200, 200),
        ("verifikator", None, 403, 403),
        ("operator_dinsos_kab", "18.72", 403, 403),
        ("pendamping", "18.72", 403, 403),
        ("operator_desa", "1872011004", 403, 403),
    ],
)
def test_case_pages_per_role(case, make_user, role, wilayah, index, detail):
    client = Client()
    client.force_login(make_user(f"u_{role}", role, wilayah))
    assert client.get("/atensi/").status_code == index
    assert client.get(f"/atensi/kasus/{case.pk}/").status_code == detail
    assert client.get(f"/api/v1/atensi/cases/{case.pk}").status_code == (200 if detail == 200 else 403)


def test_another_sentra_gets_not_found_and_cannot_open_a_case_there(case, make_user, lansia):
    other = sentra_user(make_user, "petugas_kartini", "sentra-kartini", ["33.23"], "33.23")
    client = Client()
    client.force_login(other)
    assert client.get(f"/atensi/kasus/{case.pk}/").status_code == 404
    assert client.get(f"/api/v1/atensi/cases/{case.pk}").status_code == 404
    assert client.get("/api/v1/atensi/cases").json() == []
    r = client.post(
        "/api/v1/atensi/cases",
        {"nik": lansia.nik, "cluster": "lansia", "referral_source": "slrt", "opened_on": "2024-03-02"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert Case.objects.count() == 1


def test_the_own_sentra_sees_its_case(case, handayani):
    client = Client()
    client.force_login(handayani)
    assert client.get(f"/atensi/kasus/{case.pk}/").status_code == 200
    assert [c["id"] for c in client.get("/api/v1/atensi/cases").json()] == [case.pk]
