"""The permission matrix: every web view and API endpoint, against every role and a user of another region.

Each endpoint is one `Endpoint` row: how to call it, and which answers each kind of user must get. For every
user the call runs inside a savepoint that is rolled back afterwards; a denied call must also leave the database
exactly as it was (rows and contents of the registry, history, audit trail and jobs).

To cover a new view or endpoint, add a row to ENDPOINTS (docs/architecture.md, "Permission matrix").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from salur.accounts.models import Role
from salur.core.access import can, in_scope
from salur.core.models import Approval, AuditEntry
from salur.registry.models import Household, ImportJob, Member, RegistryChange

pytestmark = pytest.mark.django_db

KK = "3212092406108030"  # an Indramayu household of the worked example, desa 3212092011
NIK = "3212091812854354"  # its head
KODE = "3212092011"

# (username, role, wilayah): every role inside the household's region, plus an operator of another region.
USERS = [
    ("u_admin", Role.ADMIN_PUSAT, None),
    ("u_prov", Role.OPERATOR_DINSOS_PROV, "32"),
    ("u_kab", Role.OPERATOR_DINSOS_KAB, "32.12"),
    ("u_desa", Role.OPERATOR_DESA, KODE),
    ("u_sentra", Role.PETUGAS_SENTRA, "32.12"),
    ("u_pendamping", Role.PENDAMPING, "32.12"),
    ("u_verifikator", Role.VERIFIKATOR, None),
    ("u_auditor", Role.AUDITOR, None),
    ("u_lain", Role.OPERATOR_DINSOS_KAB, "18.72"),  # Kota Metro: another region
]

HOUSEHOLD_FORM = {
    "kode_wilayah": KODE,
    "alamat": "Jl. Matriks 1",
    "rt": "001",
    "rw": "002",
    "luas_lantai_m2": "30",
    "jenis_lantai": "semen",
    "jenis_dinding": "tembok",
    "jenis_atap": "genteng",
    "sumber_air_minum": "ledeng",
    "sumber_penerangan": "pln_meteran",
    "bahan_bakar_memasak": "gas_3kg",
    "fasilitas_bab": "sendiri",
    "status_rumah": "milik_sendiri",
    "daya_listrik_va": "900",
    "aset_kulkas": "0",
    "aset_motor": "1",
    "aset_mobil": "0",
    "aset_ac": "0",
    "aset_emas": "0",
    "aset_lahan": "0",
    "bank": "",
    "no_rekening": "",
    "desil": "3",
    "pengeluaran_per_kapita": "",
    "tanggal_pendataan": "2024-01-15",
}
MEMBER_FORM = {
    "nama": "Anak Matriks",
    "jenis_kelamin": "L",
    "tempat_lahir": "",
    "tanggal_lahir": "2015-03-04",
    "hubungan": "anak",
    "status_kawin": "belum_kawin",
    "pendidikan": "sd",
    "sekolah": "sd",
    "pekerjaan": "pelajar",
    "disabilitas": "tidak",
    "hamil": "0",
    "nama_ibu": "",
}


@dataclass
class Ctx:
    job_id: int


@dataclass
class Endpoint:
    name: str
    method: str
    path: Callable[[Any], str]  # of the matrix's context (Ctx here; other apps bring their own)
    # Which users may: a function of the user -> True (allowed) / False (denied).
    allowed: Callable[[Any], bool]
    ok: tuple[int, ...] = (200,)
    denied: tuple[int, ...] = (403, 404)
    data: Callable[[Any], Any] | None = None
    json_body: bool = False
    writes: bool = False
    check: Callable[[Any, Any, bool], None] | None = None  # extra assertion on (user, response, allowed)
    extra: dict[str, Any] = field(default_factory=dict)


def sees_household(u: Any) -> bool:
    return can(u, "registry.view") and in_scope(u, KODE)


def edits_household(u: Any) -> bool:
    return can(u, "registry.edit") and in_scope(u, KODE)


def sees_admin_job(u: Any) -> bool:
    # The job was made by the national admin: national importers and auditors see every job.
    return not u.scope_prefixes and (can(u, "registry.import") or can(u, "audit.view"))


def listed_only_in_scope(u: Any, response: Any, allowed: bool) -> None:
    body = response.content.decode()
    assert (f"/registri/kk/{KK}/" in body) == sees_household(u), u.username


def api_list_in_scope(u: Any, response: Any, allowed: bool) -> None:
    keys = [i["no_kk"] for i in response.json()["items"]]
    assert (KK in keys) == sees_household(u), u.username


ACCOUNT = "3300504709959"  # the household's BTN account


def nik_masked_unless_needed(u: Any, response: Any, allowed: bool) -> None:
    if allowed:
        body = response.content.decode()
        assert (NIK in body) == can(u, "registry.full_nik"), u.username
        if "/members/" not in response.request["PATH_INFO"]:
            assert (ACCOUNT in body) == can(u, "registry.full_nik"), u.username


def new_household(ctx: Ctx) -> dict[str, Any]:
    return {**HOUSEHOLD_FORM, "no_kk": "3212090101249999"}


def upload(ctx: Ctx) -> dict[str, Any]:
    from salur.conftest import GOLDEN

    return {
        "keluarga": SimpleUploadedFile("keluarga.csv", (GOLDEN / "keluarga.csv").read_bytes()),
        "anggota": SimpleUploadedFile("anggota.csv", (GOLDEN / "anggota.csv").read_bytes()),
    }


ENDPOINTS: list[Endpoint] = [
    # --- web ---------------------------------------------------------------------------------------------------
    Endpoint("web search", "GET", lambda c: f"/registri/?q={KK}", lambda u: True, check=listed_only_in_scope),
    Endpoint(
        "web household page",
        "GET",
        lambda c: f"/registri/kk/{KK}/",
        sees_household,
        check=nik_masked_unless_needed,
    ),
    Endpoint(
        "web household create form", "GET", lambda c: "/registri/kk/baru/", lambda u: can(u, "registry.edit")
    ),
    Endpoint(
        "web household create",
        "POST",
        lambda c: "/registri/kk/baru/",
        edits_household,
        ok=(302,),
        data=new_household,
        writes=True,
    ),
    Endpoint("web household edit form", "GET", lambda c: f"/registri/kk/{KK}/ubah/", edits_household),
    Endpoint(
        "web household edit",
        "POST",
        lambda c: f"/registri/kk/{KK}/ubah/",
        edits_household,
        ok=(302,),
        data=lambda c: {**HOUSEHOLD_FORM, "alamat": "Diubah lewat matriks"},
        writes=True,
    ),
    Endpoint("web member create form", "GET", lambda c: f"/registri/kk/{KK}/anggota/baru/", edits_household),
    Endpoint(
        "web member create",
        "POST",
        lambda c: f"/registri/kk/{KK}/anggota/baru/",
        edits_household,
        ok=(302,),
        data=lambda c: {**MEMBER_FORM, "nik": "3212090403150009"},
        writes=True,
    ),
    Endpoint("web member edit form", "GET", lambda c: f"/registri/anggota/{NIK}/ubah/", edits_household),
    Endpoint(
        "web member edit",
        "POST",
        lambda c: f"/registri/anggota/{NIK}/ubah/",
        edits_household,
        ok=(302,),
        data=lambda c: {
            **MEMBER_FORM,
            "nama": "Kepala Diubah",
            "jenis_kelamin": "L",
            "tanggal_lahir": "1985-12-18",
            "hubungan": "kepala_keluarga",
            "status_kawin": "kawin",
            "pekerjaan": "petani",
            "sekolah": "",
        },
        writes=True,
    ),
    Endpoint("web import page", "GET", lambda c: "/registri/impor/", lambda u: can(u, "registry.import")),
    Endpoint(
        "web import upload",
        "POST",
        lambda c: "/registri/impor/",
        lambda u: can(u, "registry.import"),
        ok=(302,),
        data=upload,
        writes=True,
    ),
    Endpoint("web import job", "GET", lambda c: f"/registri/impor/{c.job_id}/", sees_admin_job),
    Endpoint("web import status", "GET", lambda c: f"/registri/impor/{c.job_id}/status.json", sees_admin_job),
    Endpoint(
        "web import rejects", "GET", lambda c: f"/registri/impor/{c.job_id}/penolakan.csv", sees_admin_job
    ),
    Endpoint("web audit trail", "GET", lambda c: "/audit/", lambda u: can(u, "audit.view")),
    Endpoint("health", "GET", lambda c: "/health/", lambda u: True),
    # --- API ---------------------------------------------------------------------------------------------------
    Endpoint(
        "api search",
        "GET",
        lambda c: f"/api/v1/registry/households?no_kk={KK}",
        lambda u: True,
        check=api_list_in_scope,
    ),
    Endpoint(
        "api household",
        "GET",
        lambda c: f"/api/v1/registry/households/{KK}",
        sees_household,
        check=nik_masked_unless_needed,
    ),
    Endpoint(
        "api household create",
        "POST",
        lambda c: "/api/v1/registry/households",
        edits_household,
        ok=(201,),
        data=new_household,
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api household patch",
        "PATCH",
        lambda c: f"/api/v1/registry/households/{KK}",
        edits_household,
        data=lambda c: {"alamat": "Diubah lewat API"},
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api member",
        "GET",
        lambda c: f"/api/v1/registry/members/{NIK}",
        sees_household,
        check=nik_masked_unless_needed,
    ),
    Endpoint(
        "api member create",
        "POST",
        lambda c: f"/api/v1/registry/households/{KK}/members",
        edits_household,
        ok=(201,),
        data=lambda c: {**MEMBER_FORM, "nik": "3212090403150009"},
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api member patch",
        "PATCH",
        lambda c: f"/api/v1/registry/members/{NIK}",
        edits_household,
        data=lambda c: {"nama": "Diubah API"},
        json_body=True,
        writes=True,
    ),
    Endpoint(
        "api import",
        "POST",
        lambda c: "/api/v1/registry/imports",
        lambda u: can(u, "registry.import"),
        ok=(202,),
        data=upload,
        writes=True,
    ),
    Endpoint("api import status", "GET", lambda c: f"/api/v1/registry/imports/{c.job_id}", sees_admin_job),
    Endpoint(
        "api import result", "GET", lambda c: f"/api/v1/registry/imports/{c.job_id}/result", sees_admin_job
    ),
    Endpoint(
        "api import rejects", "GET", lambda c: f"/api/v1/registry/imports/{c.job_id}/rejects", sees_admin_job
    ),
    Endpoint("api openapi", "GET", lambda c: "/api/v1/openapi.json", lambda u: True),
]


def snapshot() -> str:
    """A digest of everything a request could change."""
    parts = []
    for model in (Household, Member, RegistryChange, AuditEntry, ImportJob, Approval):
        rows = list(model.objects.order_by("pk").values())
        parts.append(json.dumps(rows, default=str, sort_keys=True))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@pytest.fixture
def matrix(golden_dir, admin_user, make_user, settings, tmp_path, monkeypatch):
    from salur.registry import api as registry_api
    from salur.registry import views as registry_views
    from salur.registry.models import Source
    from salur.registry.services import import_job_create, import_job_run

    settings.SALUR_JOBS_DIR = tmp_path / "jobs"
    # Background imports would outlive the savepoint: the matrix checks who may start one, not the import.
    monkeypatch.setattr(registry_views, "import_job_start_background", lambda job: None)
    monkeypatch.setattr(registry_api, "import_job_start_background", lambda job: None)
    job = import_job_create(
        actor=admin_user,
        keluarga_path=golden_dir / "keluarga.csv",
        anggota_path=golden_dir / "anggota.csv",
        source=Source.CLI,
    )
    import_job_run(job=job)
    users = [make_user(name, role, wilayah) for name, role, wilayah in USERS]
    return Ctx(job_id=job.pk), users


def call(client: Client, ep: Endpoint, ctx: Ctx) -> Any:
    path = ep.path(ctx)
    data = ep.data(ctx) if ep.data else None
    if ep.method == "GET":
        return client.get(path)
    if ep.json_body:
        return client.generic(ep.method, path, json.dumps(data), content_type="application/json")
    return client.post(path, data or {})


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
            if ep.writes and not allowed:
                assert snapshot() == before, (ep.name, user.username, "a denied call changed the database")
            transaction.savepoint_rollback(sid)


def test_anonymous_callers_are_turned_away_everywhere(matrix):
    ctx, _ = matrix
    before = snapshot()
    for ep in ENDPOINTS:
        if ep.name in ("health", "api openapi"):
            continue
        response = call(Client(), ep, ctx)
        assert response.status_code in (302, 401), (ep.name, response.status_code)
        if response.status_code == 302:
            assert "/masuk/" in response["Location"]
    assert snapshot() == before
