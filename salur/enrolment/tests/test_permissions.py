"""The permission matrix of enrolment: every page and endpoint, against every role and a user of another region.

Rows use the core matrix's `Endpoint` (salur/core/tests/test_permissions.py). The enrolments a call acts on were
made by separate maker users, so that a matrix user is refused only for its role or region; maker-checker
refusals have their own tests (test_workflow.py). A denied write must leave every enrolment table, the audit
trail and the approvals as they were."""

# mypy: disable-error-code="attr-defined"
# (the rows' lambdas are typed with the core matrix's Ctx; they get this module's Ctx)
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from salur.core.access import can, in_scope
from salur.core.tests.test_permissions import KK, KODE, USERS, Endpoint, call
from salur.enrolment import services
from salur.enrolment.tests.conftest import SK_DATE, VISIT, snapshot

pytestmark = pytest.mark.django_db


@dataclass
class Ctx:
    proposed: int  # PKH, diusulkan
    verified: int  # SEMBAKO, terverifikasi
    aktif: int  # BLT, aktif
    pending: int  # BERAS, aktif, with a pending suspension
    change: int  # that suspension
    decision: int  # the SK that made BLT and BERAS aktif


def views(u: Any) -> bool:
    return can(u, "enrolment.view")


def sees(u: Any) -> bool:
    return views(u) and in_scope(u, KODE)


def proposes(u: Any) -> bool:
    return can(u, "enrolment.propose") and in_scope(u, KODE)


def verifies(u: Any) -> bool:
    return can(u, "enrolment.verify") and in_scope(u, KODE)


def decides(u: Any) -> bool:
    return can(u, "enrolment.decide") and in_scope(u, KODE)


def requests_change(u: Any) -> bool:
    return services.can_request_change(u) and in_scope(u, KODE)


def listed_only_in_scope(u: Any, response: Any, allowed: bool) -> None:
    if allowed:
        assert (KK in response.content.decode()) == sees(u), u.username


def api_listed_only_in_scope(u: Any, response: Any, allowed: bool) -> None:
    if allowed:
        keys = {i["no_kk"] for i in response.json()["items"]}
        assert (KK in keys) == sees(u), u.username


def out_of_scope_is_not_found(u: Any, response: Any, allowed: bool) -> None:
    if not allowed and can(u, "enrolment.propose") and response.status_code == 200:
        assert "tidak ditemukan di wilayah Anda" in response.content.decode(), u.username


PROPOSE = {"no_kk": KK, "program": "ATENSI", "reason": "Lansia tinggal sendiri", "notes": ""}
VERIFY = {"result": "layak", "visit_date": VISIT.isoformat(), "officer": "TKSK Matriks", "notes": ""}
DECIDE = {"program": "SEMBAKO", "sk_number": "SK-MATRIKS", "sk_date": SK_DATE.isoformat(), "notes": ""}
CHANGE = {"kind": "keluar", "exit_reason": "mandiri", "note": "Keluarga menyatakan mampu"}

ENDPOINTS: list[Endpoint] = [
    # --- web ---------------------------------------------------------------------------------------------------
    Endpoint("web queue", "GET", lambda c: "/kepesertaan/", views, check=listed_only_in_scope),
    Endpoint(
        "web propose form",
        "GET",
        lambda c: f"/kepesertaan/usul/?no_kk={KK}",
        lambda u: can(u, "enrolment.propose"),
    ),
    Endpoint(
        "web propose",
        "POST",
        lambda c: "/kepesertaan/usul/",
        proposes,
        ok=(302,),
        denied=(200, 403),
        data=lambda c: PROPOSE,
        writes=True,
        check=out_of_scope_is_not_found,
    ),
    Endpoint("web enrolment", "GET", lambda c: f"/kepesertaan/{c.proposed}/", sees),
    Endpoint("web verify form", "GET", lambda c: f"/kepesertaan/{c.proposed}/verifikasi/", verifies),
    Endpoint(
        "web verify",
        "POST",
        lambda c: f"/kepesertaan/{c.proposed}/verifikasi/",
        verifies,
        ok=(302,),
        data=lambda c: VERIFY,
        writes=True,
    ),
    Endpoint("web change form", "GET", lambda c: f"/kepesertaan/{c.aktif}/ubah-status/", requests_change),
    Endpoint(
        "web change request",
        "POST",
        lambda c: f"/kepesertaan/{c.aktif}/ubah-status/",
        requests_change,
        ok=(302,),
        data=lambda c: CHANGE,
        writes=True,
    ),
    Endpoint(
        "web change confirm",
        "POST",
        lambda c: f"/kepesertaan/perubahan/{c.change}/",
        decides,
        ok=(302,),
        data=lambda c: {"action": "konfirmasi", "note": ""},
        writes=True,
    ),
    Endpoint("web decide page", "GET", lambda c: "/kepesertaan/penetapan/?program=SEMBAKO", decides),
    Endpoint(
        "web decide",
        "POST",
        lambda c: "/kepesertaan/penetapan/",
        decides,
        ok=(302,),
        data=lambda c: {**DECIDE, "wilayah": "", "expected_count": "1"},
        writes=True,
    ),
    Endpoint("web decision", "GET", lambda c: f"/kepesertaan/penetapan/{c.decision}/", sees),
    Endpoint("web household", "GET", lambda c: f"/kepesertaan/kk/{KK}/", sees),
    # --- API ---------------------------------------------------------------------------------------------------
    Endpoint(
        "api list", "GET", lambda c: "/api/v1/enrolment/enrolments", views, check=api_listed_only_in_scope
    ),
    Endpoint("api enrolment", "GET", lambda c: f"/api/v1/enrolment/enrolments/{c.proposed}", sees),
    Endpoint(
        "api propose",
        "POST",
        lambda c: "/api/v1/enrolment/proposals",
        proposes,
        ok=(201,),
        data=lambda c: PROPOSE,
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api verify",
        "POST",
        lambda c: f"/api/v1/enrolment/enrolments/{c.proposed}/verification",
        verifies,
        data=lambda c: VERIFY,
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api decide",
        "POST",
        lambda c: "/api/v1/enrolment/decisions",
        decides,
        ok=(201,),
        data=lambda c: DECIDE,
        json_body=True,
        writes=True,
    ),
    Endpoint("api decision", "GET", lambda c: f"/api/v1/enrolment/decisions/{c.decision}", sees),
    Endpoint(
        "api status change",
        "POST",
        lambda c: f"/api/v1/enrolment/enrolments/{c.aktif}/status-changes",
        requests_change,
        ok=(201,),
        data=lambda c: CHANGE,
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api confirm",
        "POST",
        lambda c: f"/api/v1/enrolment/status-changes/{c.change}/confirm",
        decides,
        data=lambda c: {"note": ""},
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api reject",
        "POST",
        lambda c: f"/api/v1/enrolment/status-changes/{c.change}/reject",
        decides,
        data=lambda c: {"note": "Belum cukup bukti"},
        json_body=True,
        writes=True,
    ),
]


@pytest.fixture
def matrix(golden_registry, make_user):
    from salur.programs.models import Program
    from salur.programs.services import catalogue_load_defaults
    from salur.registry.models import Household

    catalogue_load_defaults()
    m_desa = make_user("m_desa", "operator_desa", KODE)
    m_kab = make_user("m_kab", "operator_dinsos_kab", "32.12")
    m_pusat = make_user("m_pusat", "verifikator")
    household = Household.objects.get(no_kk=KK)
    p = {code: Program.objects.get(code=code) for code in ("PKH", "SEMBAKO", "BLT", "BERAS")}

    def propose(code: str) -> Any:
        return services.enrolment_propose(
            actor=m_desa, household=household, program=p[code], reason="Matriks"
        )

    def verify(e: Any) -> None:
        services.enrolment_verify(
            actor=m_kab, enrolment=e, result="layak", visit_date=VISIT, officer="Petugas"
        )

    proposed = propose("PKH")
    for code in ("BLT", "BERAS"):
        verify(propose(code))
    decision = services.enrolment_decide(actor=m_pusat, program=p["BLT"], sk_number="SK-BLT", sk_date=SK_DATE)
    beras = services.enrolment_decide(
        actor=m_pusat, program=p["BERAS"], sk_number="SK-BERAS", sk_date=SK_DATE
    )
    verified = propose("SEMBAKO")
    verify(verified)
    aktif = decision.items.get().enrolment
    pending = beras.items.get().enrolment
    change = services.enrolment_suspend(actor=m_kab, enrolment=pending, note="Matriks")
    users = [make_user(name, role, wilayah) for name, role, wilayah in USERS]
    ctx = Ctx(
        proposed=proposed.pk,
        verified=verified.pk,
        aktif=aktif.pk,
        pending=pending.pk,
        change=change.pk,
        decision=decision.pk,
    )
    return ctx, users


@pytest.mark.parametrize("ep", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_every_role_gets_the_right_answer_and_a_denied_call_changes_nothing(matrix, ep):
    ctx, users = matrix
    for user in users:
        client = Client()
        client.force_login(user)
        allowed = ep.allowed(user)
        before = snapshot() if ep.writes else ""
        with transaction.atomic():
            sid = transaction.savepoint()
            response = call(client, ep, ctx)
            expected = ep.ok if allowed else ep.denied
            assert response.status_code in expected, (ep.name, user.username, response.status_code)
            if ep.check:
                ep.check(user, response, allowed)
            if ep.writes:
                assert (snapshot() != before) == allowed, (
                    ep.name,
                    user.username,
                    "allowed writes, denied does not",
                )
            transaction.savepoint_rollback(sid)


def test_anonymous_callers_are_turned_away_everywhere(matrix):
    ctx, _users = matrix
    before = snapshot()
    for ep in ENDPOINTS:
        response = call(Client(), ep, ctx)
        assert response.status_code in (302, 401), (ep.name, response.status_code)
        if response.status_code == 302:
            assert "/masuk/" in response["Location"]
    assert snapshot() == before


def test_the_api_answers_a_refused_step_with_422_and_the_reason(matrix):
    _ctx, users = matrix
    admin = next(u for u in users if u.username == "u_admin")
    client = Client()
    client.force_login(admin)
    before = snapshot()
    response = client.post(
        "/api/v1/enrolment/proposals",
        json.dumps({**PROPOSE, "program": "PKH"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "sedang diproses" in response.json()["detail"]
    response = client.post(
        "/api/v1/enrolment/decisions",
        json.dumps({**DECIDE, "expected_count": 5}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "bukan 5" in response.json()["detail"]
    assert snapshot() == before
