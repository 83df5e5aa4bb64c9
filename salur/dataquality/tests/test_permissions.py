"""Permission matrix of dataquality's pages and endpoints: every role, and an operator of another region.

One registry (the worked example), one duplicate run and one candidate serve every call; each call runs in a
savepoint that is rolled back, and a denied write must leave pairs, merges, flags, candidates and the audit trail
exactly as they were."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from salur.accounts.models import Role
from salur.core.access import can, in_scope
from salur.core.models import AuditEntry
from salur.dataquality.models import CrosscheckFlag, DuplicatePair, ListRowCandidate, MergeRecord

pytestmark = pytest.mark.django_db

USERS = [
    ("u_admin", Role.ADMIN_PUSAT, None),
    ("u_prov", Role.OPERATOR_DINSOS_PROV, "32"),
    ("u_kab", Role.OPERATOR_DINSOS_KAB, "32.12"),
    ("u_desa", Role.OPERATOR_DESA, "3212092011"),
    ("u_sentra", Role.PETUGAS_SENTRA, "32.12"),
    ("u_pendamping", Role.PENDAMPING, "32.12"),
    ("u_verifikator", Role.VERIFIKATOR, None),
    ("u_auditor", Role.AUDITOR, None),
    ("u_lain", Role.OPERATOR_DINSOS_KAB, "18.72"),
]


@dataclass
class Ctx:
    pair: DuplicatePair
    candidate: ListRowCandidate


@dataclass
class Endpoint:
    name: str
    method: str
    path: Callable[[Ctx], str]
    allowed: Callable[[Any, Ctx], bool]
    ok: tuple[int, ...] = (200,)
    denied: tuple[int, ...] = (403, 404)
    data: dict[str, Any] | None = None
    json_body: bool = False
    writes: bool = False


def views(u: Any, c: Ctx) -> bool:
    return can(u, "quality.view")


def sees_pair(u: Any, c: Ctx) -> bool:
    return can(u, "quality.view") and in_scope(u, c.pair.wilayah_a) and in_scope(u, c.pair.wilayah_b)


def decides_pair(u: Any, c: Ctx) -> bool:
    return sees_pair(u, c) and can(u, "dedup.review")


def decides_candidate(u: Any, c: Ctx) -> bool:
    return can(u, "dedup.review") and in_scope(u, c.candidate.kode_wilayah_member)


ENDPOINTS = [
    Endpoint("web report", "GET", lambda c: "/kualitas/", views),
    Endpoint("web report csv", "GET", lambda c: "/kualitas/laporan.csv", views),
    Endpoint("web queue", "GET", lambda c: "/kualitas/duplikat/", views),
    Endpoint("web pair", "GET", lambda c: f"/kualitas/duplikat/{c.pair.pk}/", sees_pair),
    Endpoint(
        "web pair decide",
        "POST",
        lambda c: f"/kualitas/duplikat/{c.pair.pk}/",
        decides_pair,
        ok=(302,),
        data={"keputusan": "gabung", "simpan": "a", "catatan": "uji"},
        writes=True,
    ),
    Endpoint("web candidates", "GET", lambda c: "/kualitas/daftar/", views),
    Endpoint(
        "web candidate decide",
        "POST",
        lambda c: f"/kualitas/daftar/{c.candidate.pk}/",
        decides_candidate,
        ok=(302,),
        data={"keputusan": "konfirmasi"},
        writes=True,
    ),
    Endpoint("api report", "GET", lambda c: "/api/v1/dataquality/report", views),
    Endpoint("api pairs", "GET", lambda c: "/api/v1/dataquality/pairs", views),
    Endpoint(
        "api decide",
        "POST",
        lambda c: f"/api/v1/dataquality/pairs/{c.pair.pk}/decision",
        decides_pair,
        data={"keputusan": "tolak"},
        json_body=True,
        writes=True,
    ),
]


def snapshot() -> str:
    parts = []
    for model in (DuplicatePair, MergeRecord, CrosscheckFlag, ListRowCandidate, AuditEntry):
        parts.append(json.dumps(list(model.objects.order_by("pk").values()), default=str, sort_keys=True))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@pytest.fixture
def matrix(golden_registry, admin_user, make_user, tmp_path):
    from salur.dataquality.services import dedup_run, reference_list_load
    from salur.registry.models import Member

    dedup_run(actor=admin_user)
    pair = (
        DuplicatePair.objects.filter(kind="orang", wilayah_a__startswith="3212", wilayah_b__startswith="3212")
        .order_by("id")
        .first()
    )
    assert pair is not None, "the worked example has duplicates inside Indramayu"
    m = Member.objects.filter(household__wilayah__kode__startswith="3212").order_by("id").first()
    path = tmp_path / "asn.csv"
    path.write_text(
        f"nik,nama,tanggal_lahir,instansi\n12,{m.nama},{m.tanggal_lahir},Pemda\n", encoding="utf-8"
    )
    reference_list_load(actor=admin_user, kind="asn", path=path)
    candidate = ListRowCandidate.objects.get(member=m)
    users = [make_user(name, role, wilayah) for name, role, wilayah in USERS]
    return Ctx(pair=pair, candidate=candidate), users


def call(client: Client, ep: Endpoint, ctx: Ctx) -> Any:
    if ep.method == "GET":
        return client.get(ep.path(ctx))
    if ep.json_body:
        return client.post(ep.path(ctx), json.dumps(ep.data), content_type="application/json")
    return client.post(ep.path(ctx), ep.data or {})


def test_every_role_gets_the_right_answer_and_a_denied_write_changes_nothing(matrix):
    ctx, users = matrix
    seen_denied_write = seen_allowed_write = 0
    for ep in ENDPOINTS:
        for user in users:
            client = Client()
            client.force_login(user)
            allowed = ep.allowed(user, ctx)
            before = snapshot() if ep.writes else ""
            with transaction.atomic():
                sid = transaction.savepoint()
                response = call(client, ep, ctx)
                expected = ep.ok if allowed else ep.denied
                assert response.status_code in expected, (ep.name, user.username, response.status_code)
                if ep.writes and not allowed:
                    assert snapshot() == before, (
                        ep.name,
                        user.username,
                        "a denied call changed the database",
                    )
                    seen_denied_write += 1
                if ep.writes and allowed:
                    assert snapshot() != before, (ep.name, user.username, "an allowed write changed nothing")
                    seen_allowed_write += 1
                transaction.savepoint_rollback(sid)
    assert seen_denied_write
    assert seen_allowed_write


def test_nik_is_masked_in_the_queue_and_api_for_roles_without_full_nik(matrix):
    ctx, users = matrix
    nik = ctx.pair.member_a.nik
    for user in users:
        if not sees_pair(user, ctx):
            continue
        client = Client()
        client.force_login(user)
        for path in (
            f"/kualitas/duplikat/{ctx.pair.pk}/",
            "/api/v1/dataquality/pairs",
        ):
            body = client.get(path).content.decode()
            assert (nik in body) == can(user, "registry.full_nik"), (path, user.username)


def test_anonymous_callers_are_turned_away(matrix):
    ctx, _ = matrix
    before = snapshot()
    for ep in ENDPOINTS:
        response = call(Client(), ep, ctx)
        assert response.status_code in (302, 401), (ep.name, response.status_code)
    assert snapshot() == before
