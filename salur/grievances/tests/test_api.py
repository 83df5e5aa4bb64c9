"""/api/v1: public lookup, tracking, pengaduan, usul, sanggah (no login, rate-limited) and the staff queue."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from salur.accounts.tokens import token_create
from salur.grievances.models import Grievance, Submission
from salur.grievances.tests.factories import DESA_BATANG, make_cycle, make_household, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Token " + token_create(user=user)}


def test_public_lookup_then_sanggah_then_track(client, units, admin_user):
    h = make_household(DESA_BATANG, ["Suwarni", "Joko"])
    make_cycle("SEMBAKO", "2024-05", [(h, 200_000)], admin_user)
    r = client.post(
        "/api/v1/portal/lookup",
        {"kode_desa": "33.25.01.2001", "nama": "suwar"},
        content_type="application/json",
    )
    assert r.status_code == 200
    body = r.json()
    assert body["too_many"] is False
    [person] = body["results"]
    assert person["masked_name"] == "SU***I"
    assert person["programs"] == [
        {"program": "SEMBAKO", "status": "Penerima", "last_period": "2024-05", "last_paid": ""}
    ]
    assert set(person) == {"masked_name", "desa", "programs", "sanggah_token"}
    r = client.post(
        "/api/v1/grievances/sanggah",
        {
            "sanggah_token": person["sanggah_token"],
            "reason": "asn",
            "text": "Suaminya pegawai negeri di kecamatan.",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    no = r.json()["tracking_no"]
    assert Submission.objects.get(tracking_no=no).household == h
    r = client.get(f"/api/v1/portal/track/{no}")
    assert r.status_code == 200
    assert r.json()["status"] == "diterima"
    assert client.get("/api/v1/portal/track/SGH-NOPE").status_code == 404


def test_public_lookup_by_nik_does_not_echo_it_and_refuses_vague_queries(client, units):
    h = make_household(DESA_BATANG, ["Warsini"])
    nik = h.members.get().nik
    r = client.post("/api/v1/portal/lookup", {"nik": nik}, content_type="application/json")
    assert r.status_code == 200
    assert nik not in r.content.decode()
    assert r.json()["results"][0]["masked_name"] == "WA***I"
    r = client.post(
        "/api/v1/portal/lookup", {"kode_desa": "3325", "nama": "war"}, content_type="application/json"
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/portal/lookup", {"kode_desa": DESA_BATANG, "nama": "w"}, content_type="application/json"
    )
    assert r.status_code == 422


def test_public_api_is_rate_limited(client, units, settings):
    settings.SALUR_PORTAL_RATE_LIMITS = "lookup=2/60"
    data = {"kode_desa": DESA_BATANG, "nama": "abc"}
    codes = [
        client.post("/api/v1/portal/lookup", data, content_type="application/json").status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_public_grievance_and_usul_by_api(client, units):
    r = client.post(
        "/api/v1/grievances/public",
        {
            "category": "saldo_kosong",
            "kode_wilayah": DESA_BATANG,
            "text": "Saldo KKS kosong padahal jadwal sudah lewat.",
        },
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["unit"] == "Dinsos Batang"
    assert Grievance.objects.get().channel == "api"
    r = client.post(
        "/api/v1/grievances/usul",
        {
            "kode_wilayah": DESA_BATANG,
            "relation": "sendiri",
            "nama_kepala": "Darmi",
            "text": "Saya janda tanpa penghasilan.",
        },
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["tracking_no"].startswith("USL-")
    r = client.post(
        "/api/v1/grievances/public",
        {"category": "bogus", "kode_wilayah": DESA_BATANG, "text": "Apa saja yang panjang."},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert "Kategori" in r.json()["detail"]


def test_staff_queue_assign_and_resolve_by_api(client, units):
    staff = make_staff("api_batang", "operator_dinsos_kab", units["batang"])
    metro = make_staff("api_metro", "operator_dinsos_kab", units["metro"])
    auditor = make_staff("api_auditor", "auditor", units["pusat"])
    r = client.post(
        "/api/v1/grievances/intake",
        {
            "category": "tidak_diterima",
            "channel": "verifikasi",
            "kode_wilayah": DESA_BATANG,
            "text": "Verifikasi pembayaran: KPM menjawab tidak menerima.",
        },
        content_type="application/json",
        **_auth(staff),
    )
    assert r.status_code == 201, r.content
    no = r.json()["tracking_no"]
    r = client.get("/api/v1/grievances/", **_auth(staff))
    assert r.status_code == 200
    assert [i["tracking_no"] for i in r.json()["items"]] == [no]
    assert client.get(f"/api/v1/grievances/{no}", **_auth(metro)).status_code == 404  # outside its region
    r = client.post(
        f"/api/v1/grievances/{no}/resolve",
        {"status": "selesai", "resolution": "Sudah dibayar ulang."},
        content_type="application/json",
        **_auth(auditor),
    )
    assert r.status_code == 403  # auditors read only
    r = client.post(
        f"/api/v1/grievances/{no}/assign",
        {"assignee": "api_batang"},
        content_type="application/json",
        **_auth(staff),
    )
    assert r.status_code == 200
    assert r.json()["assignee"] == "api_batang"
    r = client.post(
        f"/api/v1/grievances/{no}/resolve",
        {"status": "selesai", "resolution": "Dana dibayarkan ulang lewat PT Pos."},
        content_type="application/json",
        **_auth(staff),
    )
    assert r.status_code == 200
    assert r.json()["status"] == "selesai"
    assert client.get("/api/v1/grievances/").status_code == 401
