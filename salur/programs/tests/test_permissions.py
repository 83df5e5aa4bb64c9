"""The permission matrix of the program pages and endpoints: every role (placed in the region of a known household)
and an operator of another region; a denied write changes nothing (salur/core/tests/test_permissions.py)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from salur.core.access import can, in_scope
from salur.core.models import AuditEntry
from salur.core.tests.test_permissions import KK, KODE, NIK, USERS, Ctx, Endpoint, call
from salur.programs.models import Program, ProgramVersion

pytestmark = pytest.mark.django_db


def may(cap: str):
    return lambda u: can(u, cap)


def explains_household(u: Any) -> bool:
    return can(u, "program.explain") and in_scope(u, KODE)


def nik_masked_unless_needed(u: Any, response: Any, allowed: bool) -> None:
    if allowed:
        body = response.content.decode()
        assert (NIK in body) == can(u, "registry.full_nik"), u.username


def sembako_form(c: Ctx) -> dict[str, Any]:
    return {
        "nama": "Program Sembako (BPNT)",
        "budget_line": "Bantuan sosial Program Sembako",
        "schedule": "monthly",
        "eligibility_rule": "desil <= 3",
        "amount_rule": "200000 * bulan",
        "desil_max": "3",
        "per_month": "200000",
        "period": "",
        "action": "save",
    }


PREVIEW = {"eligibility_rule": "desil <= 3", "amount_rule": "", "period": "2024-05"}

ENDPOINTS: list[Endpoint] = [
    Endpoint("web catalogue", "GET", lambda c: "/program/", may("program.view")),
    Endpoint("web program", "GET", lambda c: "/program/PKH/", may("program.view")),
    Endpoint("web edit form", "GET", lambda c: "/program/PKH/ubah/", may("program.edit")),
    Endpoint(
        "web edit save",
        "POST",
        lambda c: "/program/SEMBAKO/ubah/",
        may("program.edit"),
        ok=(302,),
        data=sembako_form,
        writes=True,
    ),
    Endpoint("web preview form", "GET", lambda c: "/program/SEMBAKO/pratinjau/", may("program.view")),
    Endpoint(
        "web preview",
        "POST",
        lambda c: "/program/SEMBAKO/pratinjau/",
        may("program.view"),
        data=lambda c: PREVIEW,
        writes=True,
    ),
    Endpoint("web explain form", "GET", lambda c: "/program/jelaskan/", may("program.explain")),
    Endpoint(
        "web explain",
        "GET",
        lambda c: f"/program/PKH/jelaskan/{KK}/?periode=2024-T2",
        explains_household,
        check=nik_masked_unless_needed,
    ),
    Endpoint("api catalogue", "GET", lambda c: "/api/v1/programs/", may("program.view")),
    Endpoint("api program", "GET", lambda c: "/api/v1/programs/PKH", may("program.view")),
    Endpoint(
        "api preview",
        "POST",
        lambda c: "/api/v1/programs/SEMBAKO/preview",
        may("program.view"),
        data=lambda c: PREVIEW,
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api version",
        "POST",
        lambda c: "/api/v1/programs/SEMBAKO/versions",
        may("program.edit"),
        ok=(201,),
        data=lambda c: {"eligibility_rule": "desil <= 3", "desil_max": 3},
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api explain",
        "GET",
        lambda c: f"/api/v1/programs/PKH/explain/{KK}?period=2024-T2",
        explains_household,
        check=nik_masked_unless_needed,
    ),
]


def snapshot() -> str:
    parts = []
    for model in (Program, ProgramVersion, AuditEntry):
        parts.append(json.dumps(list(model.objects.order_by("pk").values()), default=str, sort_keys=True))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@pytest.fixture
def matrix(golden_cycle_inputs, make_user):
    return Ctx(job_id=0), [make_user(name, role, wilayah) for name, role, wilayah in USERS]


def test_every_role_gets_the_right_answer_and_a_denied_call_changes_nothing(matrix):
    ctx, users = matrix
    for ep in ENDPOINTS:
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
                if ep.writes and not allowed:
                    assert snapshot() == before, (
                        ep.name,
                        user.username,
                        "a denied call changed the database",
                    )
                transaction.savepoint_rollback(sid)


def test_the_expected_roles_hold_each_capability():
    """The matrix above follows `can`; this pins what `can` says for the program capabilities."""
    from salur.core.access import ROLE_CAPABILITIES

    holders = {
        cap: sorted(r for r, caps in ROLE_CAPABILITIES.items() if cap in caps)
        for cap in ("program.view", "program.edit", "program.explain")
    }
    assert holders["program.edit"] == ["admin_pusat"]
    assert holders["program.view"] == [
        "admin_pusat",
        "auditor",
        "operator_dinsos_kab",
        "operator_dinsos_prov",
        "verifikator",
    ]
    assert len(holders["program.explain"]) == 8


def test_anonymous_callers_are_turned_away_everywhere(matrix):
    ctx, _ = matrix
    before = snapshot()
    for ep in ENDPOINTS:
        response = call(Client(), ep, ctx)
        assert response.status_code in (302, 401), (ep.name, response.status_code)
    assert snapshot() == before
