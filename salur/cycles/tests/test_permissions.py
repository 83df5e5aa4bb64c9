"""Permission matrix of cycles, payments and budget: every web view and API endpoint against every role and a user
of another region (salur/core/tests/test_permissions.py explains the method). A denied call changes nothing."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from salur.accounts.models import Role
from salur.budget.models import Allocation
from salur.core.access import can, in_scope
from salur.core.models import Approval, AuditEntry
from salur.core.tests.test_permissions import USERS, Endpoint, call
from salur.cycles.models import ApprovalTier, Cycle
from salur.payments.models import Payment, PaymentBatch, StatusImport, VerificationItem, VerificationSample

pytestmark = pytest.mark.django_db

CODE = "PKH-2024-T2"
OPEN = "SEMBAKO-2024-05"  # computed, awaiting approval


class Ctx:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


def snapshot() -> str:
    parts = []
    for model in (Cycle, Payment, PaymentBatch, StatusImport, VerificationSample, VerificationItem, Allocation,
                  ApprovalTier, Approval, AuditEntry):  # fmt: skip
        parts.append(json.dumps(list(model.objects.order_by("pk").values()), default=str, sort_keys=True))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@pytest.fixture
def matrix(golden_cycle_inputs, admin_user, make_user, settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    checker = make_user("checker_matrix", Role.VERIFIKATOR, None)
    call_command("cycle_create", program="PKH", period="2024-T2", user=admin_user.username)
    call_command("cycle_create", program="SEMBAKO", period="2024-05", user=admin_user.username)
    call_command("budget_set", program="PKH", year=2024, amount=10**12, user=admin_user.username)
    call_command("cycle_approve", CODE, user=checker.username)
    from salur.cycles.views import exports_dir

    call_command(
        "payments_export", CODE, out=str(exports_dir(Cycle.objects.get(code=CODE))), user=admin_user.username
    )
    Payment.objects.filter(pk__in=Payment.objects.order_by("pk").values("pk")[:40]).update(status="DIBAYAR")
    Payment.objects.filter(status="MENUNGGU").update(status="GAGAL")
    from salur.payments.verification import sample_draw

    sample = sample_draw(actor=admin_user, code=CODE, margin=0.2, seed=3)
    item = VerificationItem.objects.filter(sample=sample).select_related("payment").first()
    first_file = Payment.objects.order_by("id_pembayaran").first()
    users = [make_user(name, role, wilayah) for name, role, wilayah in USERS]
    ctx = Ctx(sample=sample.pk, item=item.pk, item_region=item.payment.kode_wilayah,
              file=f"{CODE}_{first_file.channel}.csv", pay_id=first_file.id_pembayaran)  # fmt: skip
    return ctx, users


def status_upload(ctx: Any) -> dict[str, Any]:
    body = f"id_pembayaran,status,tanggal,nominal_dibayar,keterangan\n{ctx.pay_id},DIBAYAR,2024-05-02,1,x\n"
    return {"berkas": SimpleUploadedFile("status.csv", body.encode())}


def api_status_upload(ctx: Any) -> dict[str, Any]:
    body = f"id_pembayaran,status,tanggal,nominal_dibayar,keterangan\n{ctx.pay_id},DIBAYAR,2024-05-02,1,x\n"
    return {"file": SimpleUploadedFile("status.csv", body.encode())}


def approves(u: Any) -> bool:
    return can(u, "cycle.approve")  # the maker (admin_uji) is not among the matrix users


def answers(ctx_region: str):
    return lambda u: can(u, "payments.verify") and in_scope(u, ctx_region)


def sees_sample(u: Any) -> bool:
    return can(u, "payments.verify") or can(u, "cycle.view")


ENDPOINTS: list[Endpoint] = [
    Endpoint("web cycles", "GET", lambda c: "/siklus/", lambda u: can(u, "cycle.view")),
    Endpoint("web cycle page", "GET", lambda c: f"/siklus/{CODE}/", lambda u: can(u, "cycle.view")),
    Endpoint("web cycle create", "POST", lambda c: "/siklus/baru/", lambda u: can(u, "cycle.create"), ok=(302,),
             data=lambda c: {"program": "SEMBAKO", "period": "2024-06"}, writes=True),
    Endpoint("web cycle approve", "POST", lambda c: f"/siklus/{OPEN}/setujui/", approves, ok=(302,), writes=True),
    Endpoint("web cycle cancel", "POST", lambda c: f"/siklus/{OPEN}/batalkan/", lambda u: can(u, "cycle.create"),
             ok=(302,), data=lambda c: {"reason": "uji"}, writes=True),
    Endpoint("web export", "POST", lambda c: f"/siklus/{CODE}/ekspor/", lambda u: can(u, "payments.export"),
             ok=(302,), writes=True),
    Endpoint("web payment file", "GET", lambda c: f"/siklus/{CODE}/berkas/{c.file}", lambda u: can(u, "payments.export")),
    Endpoint("web status upload", "POST", lambda c: f"/siklus/{CODE}/status/", lambda u: can(u, "payments.status"),
             ok=(302,), data=status_upload, writes=True),
    Endpoint("web follow-up", "POST", lambda c: f"/siklus/{CODE}/susulan/", lambda u: can(u, "payments.export"),
             ok=(302,), writes=True),
    Endpoint("web sample draw", "POST", lambda c: f"/siklus/{CODE}/sampel/", lambda u: can(u, "payments.export"),
             ok=(302,), data=lambda c: {"confidence": "0.95", "margin": "0.10", "stratify": ""}, writes=True),
    Endpoint("web report csv", "GET", lambda c: f"/siklus/{CODE}/laporan.csv", lambda u: can(u, "cycle.view")),
    Endpoint("web report xlsx", "GET", lambda c: f"/siklus/{CODE}/laporan.xlsx", lambda u: can(u, "cycle.view")),
    Endpoint("web sample page", "GET", lambda c: f"/pembayaran/sampel/{c.sample}/", sees_sample),
    Endpoint("web sample answer", "POST", lambda c: f"/pembayaran/sampel/{c.sample}/{c.item}/jawab/",
             lambda u: False, ok=(302,), data=lambda c: {"answer": "diterima"}, writes=True,
             extra={"region_rule": True}),
    Endpoint("web budget", "GET", lambda c: "/anggaran/", lambda u: can(u, "budget.view")),
    Endpoint("web budget set", "POST", lambda c: "/anggaran/", lambda u: can(u, "budget.manage"), ok=(302,),
             data=lambda c: {"program": "SEMBAKO", "year": "2024", "amount": "5000000000"}, writes=True),
    Endpoint("api cycles", "GET", lambda c: "/api/v1/cycles", lambda u: can(u, "cycle.view")),
    Endpoint("api cycle", "GET", lambda c: f"/api/v1/cycles/{CODE}", lambda u: can(u, "cycle.view")),
    Endpoint("api cycle create", "POST", lambda c: "/api/v1/cycles", lambda u: can(u, "cycle.create"), ok=(201,),
             data=lambda c: {"program": "SEMBAKO", "period": "2024-07"}, json_body=True, writes=True),
    Endpoint("api approve", "POST", lambda c: f"/api/v1/cycles/{OPEN}/approve", approves, ok=(200, 400),
             data=lambda c: {"note": ""}, json_body=True, writes=True),
    Endpoint("api reconciliation", "GET", lambda c: f"/api/v1/cycles/{CODE}/reconciliation", lambda u: can(u, "cycle.view")),
    Endpoint("api report", "GET", lambda c: f"/api/v1/cycles/{CODE}/report", lambda u: can(u, "cycle.view")),
    Endpoint("api export", "POST", lambda c: f"/api/v1/payments/export/{CODE}", lambda u: can(u, "payments.export"),
             writes=True),
    Endpoint("api status", "POST", lambda c: "/api/v1/payments/status", lambda u: can(u, "payments.status"),
             data=api_status_upload, writes=True),
    Endpoint("api sample", "GET", lambda c: f"/api/v1/payments/samples/{c.sample}", lambda u: can(u, "cycle.view")),
    Endpoint("api sample draw", "POST", lambda c: "/api/v1/payments/samples", lambda u: can(u, "payments.export"),
             ok=(201,), data=lambda c: {"cycle": CODE, "margin": 0.2}, json_body=True, writes=True),
    Endpoint("api answer", "POST", lambda c: f"/api/v1/payments/samples/items/{c.item}/answer", lambda u: False,
             data=lambda c: {"answer": "diterima"}, json_body=True, writes=True, extra={"region_rule": True}),
    Endpoint("api budget", "GET", lambda c: "/api/v1/budget?year=2024", lambda u: can(u, "budget.view")),
    Endpoint("api budget set", "POST", lambda c: "/api/v1/budget", lambda u: can(u, "budget.manage"),
             data=lambda c: {"program": "SEMBAKO", "year": 2024, "amount": 1}, json_body=True, writes=True),
]  # fmt: skip


def test_every_role_gets_the_right_answer_and_a_denied_call_changes_nothing(matrix):
    # One setup for all endpoints (it is the slow part): each call runs in a savepoint that is rolled back.
    ctx, users = matrix
    for ep, user in [(ep, user) for ep in ENDPOINTS for user in users]:
        client = Client()
        client.force_login(user)
        allowed = answers(ctx.item_region)(user) if ep.extra.get("region_rule") else ep.allowed(user)
        before = snapshot() if ep.writes else ""
        with transaction.atomic():
            sid = transaction.savepoint()
            response = call(client, ep, ctx)
            expected = ep.ok if allowed else ep.denied
            assert response.status_code in expected, (ep.name, user.username, response.status_code)
            if ep.writes and not allowed:
                assert snapshot() == before, (ep.name, user.username, "a denied call changed the database")
            transaction.savepoint_rollback(sid)


def test_anonymous_callers_are_turned_away(matrix):
    ctx, _ = matrix
    before = snapshot()
    for ep in ENDPOINTS:
        response = call(Client(), ep, ctx)
        assert response.status_code in (302, 401), (ep.name, response.status_code)
    assert snapshot() == before


def test_regional_users_see_only_their_region_in_the_cycle_report(matrix):
    _, users = matrix
    kab = next(u for u in users if u.username == "u_kab")  # Kab. Indramayu 32.12
    client = Client()
    client.force_login(kab)
    rows = client.get(f"/api/v1/cycles/{CODE}/report").json()["rows"]
    assert rows
    assert all(r["kode"].startswith("32") for r in rows)
    recon = client.get(f"/api/v1/cycles/{CODE}/reconciliation").json()
    national = Payment.objects.count()
    assert 0 < recon["payments"]["count"] < national
