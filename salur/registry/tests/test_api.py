"""The registry API (/api/v1/registry) over the contract's worked example; runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from salur.accounts.tokens import token_create
from salur.core.errors import CommandFailed
from salur.registry.models import Household, ImportJob, Member, RegistryChange
from salur.registry.services import import_job_run

BASE = "/api/v1/registry"

# From the worked example: an accepted household of Indramayu (32.12) with a head and five other members.
INDRAMAYU_KK = "3212092406108030"
HEAD_NIK = "3212091812854354"

NEW_HOUSEHOLD: dict[str, Any] = {
    "no_kk": "3212090101240001",
    "kode_wilayah": "3212092011",
    "alamat": "Jl. Uji No. 1",
    "rt": "001",
    "rw": "002",
    "luas_lantai_m2": 36.5,  # typed values and CSV-like strings are both accepted
    "jenis_lantai": "semen",
    "jenis_dinding": "tembok",
    "jenis_atap": "genteng",
    "sumber_air_minum": "sumur_terlindung",
    "sumber_penerangan": "pln_meteran",
    "bahan_bakar_memasak": "gas_3kg",
    "fasilitas_bab": "sendiri",
    "status_rumah": "milik_sendiri",
    "daya_listrik_va": 900,
    "aset_kulkas": True,
    "aset_motor": "1",
    "aset_mobil": 0,
    "aset_ac": False,
    "aset_emas": "0",
    "aset_lahan": "0",
    "bank": "BRI",
    "no_rekening": "1234567890",
    "desil": 2,
    "tanggal_pendataan": "2024-01-15",
}

NEW_HEAD: dict[str, Any] = {
    "nik": "3212091507800001",  # kecamatan 32.12.09, born 15-07-80, male
    "nama": "Budi Santoso",
    "jenis_kelamin": "L",
    "tanggal_lahir": "1980-07-15",
    "hubungan": "kepala_keluarga",
    "status_kawin": "kawin",
    "pendidikan": "sma",
    "pekerjaan": "petani",
    "disabilitas": "tidak",
    "hamil": 0,
}


@pytest.fixture(autouse=True)
def jobs_dir(settings, tmp_path: Path) -> Path:
    """Uploads, rejects files and progress files of the tests stay in the test's own folder."""
    settings.SALUR_JOBS_DIR = tmp_path / "jobs"
    return Path(settings.SALUR_JOBS_DIR)


@pytest.fixture
def api(admin_user) -> Client:
    """A client authenticated by an API token of the national administrator."""
    key = token_create(user=admin_user, name="uji")
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


@pytest.fixture
def metro_api(make_user) -> Client:
    """A client of a Dinsos operator of Kota Metro (18.72), which holds none of the example's households."""
    user = make_user("metro", "operator_dinsos_kab", wilayah="1872")
    return Client(HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='uji')}")


def _patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


# --- authentication --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/households"),
        ("get", f"/households/{INDRAMAYU_KK}"),
        ("post", "/households"),
        ("patch", f"/households/{INDRAMAYU_KK}"),
        ("get", f"/members/{HEAD_NIK}"),
        ("post", f"/households/{INDRAMAYU_KK}/members"),
        ("patch", f"/members/{HEAD_NIK}"),
        ("post", "/imports"),
        ("get", "/imports/1"),
        ("get", "/imports/1/result"),
        ("get", "/imports/1/rejects"),
    ],
)
def test_every_endpoint_refuses_an_unauthenticated_caller(golden_registry, method, path) -> None:
    response = Client().generic(method.upper(), BASE + path, data="{}", content_type="application/json")
    assert response.status_code == 401
    assert RegistryChange.objects.filter(source="api").count() == 0


@pytest.mark.django_db
def test_an_unknown_or_revoked_token_is_refused(golden_registry, admin_user) -> None:
    from salur.accounts.models import ApiToken

    assert Client(HTTP_AUTHORIZATION="Token bukan-token").get(f"{BASE}/households").status_code == 401
    key = token_create(user=admin_user, name="lama")
    ApiToken.objects.filter(user=admin_user, name="lama").update(revoked=True)
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get(f"{BASE}/households").status_code == 401


@pytest.mark.django_db
def test_a_token_authenticates_the_api(golden_registry, api) -> None:
    response = api.get(f"{BASE}/households/{INDRAMAYU_KK}")
    assert response.status_code == 200
    assert response.json()["no_kk"] == INDRAMAYU_KK


@pytest.mark.django_db
def test_a_session_authenticates_reads_and_writes(golden_registry, admin_user) -> None:
    client = (
        Client()
    )  # Django's test client skips CSRF checks, as a browser page carrying the token would pass them
    client.force_login(admin_user)
    assert client.get(f"{BASE}/households/{INDRAMAYU_KK}").status_code == 200
    response = _patch(client, f"{BASE}/households/{INDRAMAYU_KK}", {"alamat": "Jl. Baru No. 2"})
    assert response.status_code == 200
    assert response.json()["alamat"] == "Jl. Baru No. 2"


@pytest.mark.django_db
def test_a_token_client_can_write_without_a_csrf_cookie(golden_registry, admin_user) -> None:
    key = token_create(user=admin_user, name="uji")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    response = _patch(client, f"{BASE}/households/{INDRAMAYU_KK}", {"alamat": "Jl. Token No. 3"})
    assert response.status_code == 200


# --- search and detail -----------------------------------------------------------------------------------


def _keys(response: Any) -> list[str]:
    return [item["no_kk"] for item in response.json()["items"]]


@pytest.mark.django_db
def test_search_by_nik_finds_the_members_household(golden_registry, api) -> None:
    response = api.get(f"{BASE}/households", {"nik": HEAD_NIK})
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "items": [
            {
                "no_kk": INDRAMAYU_KK,
                "kode_wilayah": "3212092011",
                "nama_wilayah": response.json()["items"][0]["nama_wilayah"],
                "alamat": "Jl. Manurung No. 18",
                "desil": 1,
                "desil_sumber": "supplied",
                "flags": [],
                "jumlah_anggota": 6,  # counted over all members, not only the one the search matched
            }
        ],
    }
    assert response.json()["items"][0]["nama_wilayah"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"no_kk": INDRAMAYU_KK},
        {"q": INDRAMAYU_KK},
        {"q": HEAD_NIK},
        {"nama": "suparman tanjung"},
        {"q": "Suparman Tanjung"},
    ],
)
def test_search_by_no_kk_nik_or_name_finds_one_household(golden_registry, api, params) -> None:
    response = api.get(f"{BASE}/households", params)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert _keys(response) == [INDRAMAYU_KK]


@pytest.mark.django_db
def test_search_by_wilayah_takes_a_dotted_or_plain_prefix(golden_registry, api) -> None:
    plain = api.get(f"{BASE}/households", {"wilayah": "3212092011"}).json()
    dotted = api.get(f"{BASE}/households", {"wilayah": "32.12.09.2011"}).json()
    assert plain == dotted
    assert plain["count"] == 1
    assert [i["no_kk"] for i in plain["items"]] == [INDRAMAYU_KK]
    kabupaten = api.get(f"{BASE}/households", {"wilayah": "32.12", "limit": 500}).json()
    assert kabupaten["count"] == Household.objects.filter(wilayah__kode__startswith="3212").count()
    assert all(i["kode_wilayah"].startswith("3212") for i in kabupaten["items"])


@pytest.mark.django_db
def test_search_pages_with_limit_and_offset(golden_registry, api) -> None:
    everything = list(Household.objects.order_by("no_kk").values_list("no_kk", flat=True))
    assert len(everything) == 372  # contract: accepted households of the worked example
    first = api.get(f"{BASE}/households").json()
    assert first["count"] == 372
    assert [i["no_kk"] for i in first["items"]] == everything[:50]  # default limit 50
    page = api.get(f"{BASE}/households", {"limit": 10, "offset": 365}).json()
    assert [i["no_kk"] for i in page["items"]] == everything[365:]
    assert api.get(f"{BASE}/households", {"limit": 501}).status_code == 422
    assert api.get(f"{BASE}/households", {"offset": -1}).status_code == 422


@pytest.mark.django_db
def test_search_by_flag_lists_flagged_households(golden_registry, api) -> None:
    response = api.get(f"{BASE}/households", {"flag": "KEPALA_KELUARGA"}).json()
    assert response["count"] == 8  # contract: KEPALA_KELUARGA flags 8 households in the worked example
    assert all(i["flags"] == ["KEPALA_KELUARGA"] for i in response["items"])


@pytest.mark.django_db
def test_household_detail_has_exchange_fields_and_members(golden_registry, api) -> None:
    body = api.get(f"{BASE}/households/{INDRAMAYU_KK}").json()
    members = body.pop("members")
    body.pop("nama_wilayah")
    assert body == {
        "no_kk": INDRAMAYU_KK,
        "kode_wilayah": "3212092011",
        "alamat": "Jl. Manurung No. 18",
        "rt": "020",
        "rw": "003",
        "luas_lantai_m2": 12.0,
        "jenis_lantai": "ubin",
        "jenis_dinding": "tembok",
        "jenis_atap": "seng",
        "sumber_air_minum": "sungai",
        "sumber_penerangan": "non_pln",
        "bahan_bakar_memasak": "tidak_memasak",
        "fasilitas_bab": "bersama",
        "status_rumah": "dinas",
        "daya_listrik_va": 450,
        "aset_kulkas": False,
        "aset_motor": False,
        "aset_mobil": True,
        "aset_ac": False,
        "aset_emas": False,
        "aset_lahan": False,
        "bank": "BTN",
        "no_rekening": "3300504709959",
        "desil": 1,
        "desil_sumber": "supplied",
        "pengeluaran_per_kapita": None,
        "tanggal_pendataan": "2024-01-15",
        "flags": [],
    }
    assert len(members) == 6
    head = next(m for m in members if m["nik"] == HEAD_NIK)
    assert head == {
        "nik": HEAD_NIK,
        "no_kk": INDRAMAYU_KK,
        "nama": "Suparman Tanjung",
        "jenis_kelamin": "L",
        "tempat_lahir": "Palembang",
        "tanggal_lahir": "1985-12-18",
        "hubungan": "kepala_keluarga",
        "status_kawin": "kawin",
        "pendidikan": "sarjana",
        "sekolah": "",
        "pekerjaan": "wiraswasta",
        "disabilitas": "tidak",
        "hamil": False,
        "nama_ibu": "Siti",
        "flags": [],
    }


@pytest.mark.django_db
def test_member_detail(golden_registry, api) -> None:
    response = api.get(f"{BASE}/members/{HEAD_NIK}")
    assert response.status_code == 200
    assert response.json()["nama"] == "Suparman Tanjung"
    assert response.json()["no_kk"] == INDRAMAYU_KK


@pytest.mark.django_db
def test_reads_take_a_fixed_number_of_queries(golden_registry, api, django_assert_num_queries) -> None:
    # token lookup + count + one page, whatever the page size: member counts come from a subquery, not N queries
    with django_assert_num_queries(3):
        assert len(api.get(f"{BASE}/households", {"limit": 500}).json()["items"]) == 372
    with django_assert_num_queries(3):  # token + household + its members
        assert len(api.get(f"{BASE}/households/{INDRAMAYU_KK}").json()["members"]) == 6
    with django_assert_num_queries(2):  # token + member with its household
        assert api.get(f"{BASE}/members/{HEAD_NIK}").status_code == 200


@pytest.mark.django_db
def test_unknown_keys_answer_404_in_indonesian(golden_registry, api) -> None:
    household = api.get(f"{BASE}/households/0000000000000000")
    assert household.status_code == 404
    assert household.json() == {"detail": "Keluarga dengan nomor KK ini tidak ditemukan di wilayah Anda"}
    member = api.get(f"{BASE}/members/0000000000000000")
    assert member.status_code == 404
    assert member.json() == {"detail": "Anggota dengan NIK ini tidak ditemukan di wilayah Anda"}
    assert api.get(f"{BASE}/imports/999999").json() == {"detail": "Tugas impor tidak ditemukan"}


# --- region scope ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_household_outside_the_callers_region_does_not_exist_for_them(golden_registry, metro_api) -> None:
    assert metro_api.get(f"{BASE}/households/{INDRAMAYU_KK}").status_code == 404
    assert metro_api.get(f"{BASE}/members/{HEAD_NIK}").status_code == 404
    assert metro_api.get(f"{BASE}/households", {"nik": HEAD_NIK}).json() == {"count": 0, "items": []}
    assert metro_api.get(f"{BASE}/households").json()["count"] == 0


@pytest.mark.django_db
def test_writes_outside_the_callers_region_change_nothing(golden_registry, metro_api) -> None:
    before_h = list(Household.objects.order_by("id").values())
    before_m = list(Member.objects.order_by("id").values())
    assert _patch(metro_api, f"{BASE}/households/{INDRAMAYU_KK}", {"alamat": "x"}).status_code == 404
    assert _patch(metro_api, f"{BASE}/members/{HEAD_NIK}", {"nama": "x"}).status_code == 404
    assert _post(metro_api, f"{BASE}/households/{INDRAMAYU_KK}/members", NEW_HEAD).status_code == 404
    created = _post(metro_api, f"{BASE}/households", NEW_HOUSEHOLD)
    assert created.status_code == 403
    assert created.json() == {"detail": "Wilayah ini di luar wilayah kerja Anda"}
    assert list(Household.objects.order_by("id").values()) == before_h
    assert list(Member.objects.order_by("id").values()) == before_m
    assert RegistryChange.objects.filter(source="api").count() == 0


# --- writes ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_household_answers_201_and_records_the_change(api, admin_user) -> None:
    response = _post(api, f"{BASE}/households", NEW_HOUSEHOLD)
    assert response.status_code == 201
    body = response.json()
    assert body["no_kk"] == NEW_HOUSEHOLD["no_kk"]
    assert body["luas_lantai_m2"] == 36.5
    assert body["daya_listrik_va"] == 900
    assert (body["aset_kulkas"], body["aset_motor"], body["aset_mobil"]) == (True, True, False)
    assert (body["desil"], body["desil_sumber"]) == (2, "supplied")
    assert body["members"] == []
    assert body["flags"] == ["KEPALA_KELUARGA"]  # no head yet
    change = RegistryChange.objects.get(entity="household", key=NEW_HOUSEHOLD["no_kk"])
    assert (change.action, change.source, change.actor_id) == ("create", "api", admin_user.pk)


@pytest.mark.django_db
def test_create_household_with_invalid_fields_answers_422_and_stores_nothing(api) -> None:
    payload = {**NEW_HOUSEHOLD, "jenis_lantai": "marmer", "desil": 11}
    del payload["tanggal_pendataan"]
    response = _post(api, f"{BASE}/households", payload)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Data tidak sah"
    assert sorted(body["problems"]) == ["desil", "jenis_lantai", "tanggal_pendataan"]
    assert body["problems"]["tanggal_pendataan"] == ["Tanggal pendataan (tanggal_pendataan) wajib diisi"]
    assert all(isinstance(m, str) and m for msgs in body["problems"].values() for m in msgs)
    assert Household.objects.count() == 0
    assert RegistryChange.objects.count() == 0


@pytest.mark.django_db
def test_create_household_refuses_an_existing_no_kk(golden_registry, api) -> None:
    response = _post(api, f"{BASE}/households", {**NEW_HOUSEHOLD, "no_kk": INDRAMAYU_KK})
    assert response.status_code == 422
    assert response.json()["problems"] == {"no_kk": ["Nomor KK ini sudah ada di registri"]}


@pytest.mark.django_db
def test_unknown_fields_are_refused(golden_registry, api) -> None:
    response = _patch(api, f"{BASE}/households/{INDRAMAYU_KK}", {"alamatt": "salah ketik"})
    assert response.status_code == 422
    assert RegistryChange.objects.filter(source="api").count() == 0


@pytest.mark.django_db
def test_patch_household_changes_only_the_sent_fields(golden_registry, api, admin_user) -> None:
    response = _patch(
        api, f"{BASE}/households/{INDRAMAYU_KK}", {"jenis_lantai": "keramik", "aset_kulkas": True}
    )
    assert response.status_code == 200
    assert (response.json()["jenis_lantai"], response.json()["aset_kulkas"]) == ("keramik", True)
    assert response.json()["alamat"] == "Jl. Manurung No. 18"
    change = RegistryChange.objects.get(entity="household", key=INDRAMAYU_KK, action="update")
    assert (change.source, change.actor_id) == ("api", admin_user.pk)
    assert change.before == {"jenis_lantai": "ubin", "aset_kulkas": "0"}
    assert change.after == {"jenis_lantai": "keramik", "aset_kulkas": "1"}


@pytest.mark.django_db
def test_patch_household_with_an_invalid_value_answers_422_and_changes_nothing(golden_registry, api) -> None:
    response = _patch(api, f"{BASE}/households/{INDRAMAYU_KK}", {"daya_listrik_va": 1000})
    assert response.status_code == 422
    assert list(response.json()["problems"]) == ["daya_listrik_va"]
    assert Household.objects.get(no_kk=INDRAMAYU_KK).daya_listrik_va == 450
    assert RegistryChange.objects.filter(source="api").count() == 0


@pytest.mark.django_db
def test_add_a_head_to_a_new_household_clears_its_flag(api) -> None:
    assert _post(api, f"{BASE}/households", NEW_HOUSEHOLD).status_code == 201
    response = _post(api, f"{BASE}/households/{NEW_HOUSEHOLD['no_kk']}/members", NEW_HEAD)
    assert response.status_code == 201
    assert response.json()["nik"] == NEW_HEAD["nik"]
    assert response.json()["no_kk"] == NEW_HOUSEHOLD["no_kk"]
    assert response.json()["flags"] == []
    household = api.get(f"{BASE}/households/{NEW_HOUSEHOLD['no_kk']}").json()
    assert household["flags"] == []
    assert [m["nik"] for m in household["members"]] == [NEW_HEAD["nik"]]
    change = RegistryChange.objects.get(entity="member", key=NEW_HEAD["nik"])
    assert (change.action, change.source) == ("create", "api")


@pytest.mark.django_db
def test_add_member_refuses_a_body_for_another_household(golden_registry, api) -> None:
    response = _post(
        api, f"{BASE}/households/{INDRAMAYU_KK}/members", {**NEW_HEAD, "no_kk": "1111111111111111"}
    )
    assert response.status_code == 422
    assert list(response.json()["problems"]) == ["no_kk"]
    assert not Member.objects.filter(nik=NEW_HEAD["nik"]).exists()


@pytest.mark.django_db
def test_add_member_with_invalid_fields_answers_422(golden_registry, api) -> None:
    response = _post(
        api, f"{BASE}/households/{INDRAMAYU_KK}/members", {**NEW_HEAD, "nik": "123", "jenis_kelamin": "X"}
    )
    assert response.status_code == 422
    assert sorted(response.json()["problems"]) == ["jenis_kelamin", "nik"]
    assert Member.objects.filter(household__no_kk=INDRAMAYU_KK).count() == 6


@pytest.mark.django_db
def test_patch_member_changes_it_and_keeps_history(golden_registry, api, admin_user) -> None:
    response = _patch(api, f"{BASE}/members/{HEAD_NIK}", {"pekerjaan": "petani", "disabilitas": "ringan"})
    assert response.status_code == 200
    assert (response.json()["pekerjaan"], response.json()["disabilitas"]) == ("petani", "ringan")
    member = Member.objects.get(nik=HEAD_NIK)
    assert (member.pekerjaan, member.disabilitas, member.nama) == ("petani", "ringan", "Suparman Tanjung")
    change = RegistryChange.objects.get(entity="member", key=HEAD_NIK, action="update")
    assert (change.source, change.actor_id) == ("api", admin_user.pk)
    assert change.before == {"pekerjaan": "wiraswasta", "disabilitas": "tidak"}
    assert change.after == {"pekerjaan": "petani", "disabilitas": "ringan"}


@pytest.mark.django_db
def test_patch_member_with_an_invalid_date_answers_422(golden_registry, api) -> None:
    response = _patch(api, f"{BASE}/members/{HEAD_NIK}", {"tanggal_lahir": "1985-02-30"})
    assert response.status_code == 422
    assert list(response.json()["problems"]) == ["tanggal_lahir"]
    assert Member.objects.get(nik=HEAD_NIK).tanggal_lahir.isoformat() == "1985-12-18"


# --- imports ---------------------------------------------------------------------------------------------


@pytest.fixture
def synchronous_imports(monkeypatch):
    """Run the 'background' job in the request, so that the test sees it finished."""
    monkeypatch.setattr(
        "salur.registry.api.import_job_start_background", lambda *, job: import_job_run(job=job)
    )


def _upload(client: Client, keluarga: Path, anggota: Path) -> Any:
    with keluarga.open("rb") as k, anggota.open("rb") as a:
        return client.post(f"{BASE}/imports", {"keluarga": k, "anggota": a})


@pytest.mark.django_db
def test_import_through_the_api_answers_the_contracts_summary(
    golden_dir, api, jobs_dir, synchronous_imports
) -> None:
    started = _upload(api, golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    assert started.status_code == 202
    job_id = started.json()["id"]
    assert started.json() == {
        "id": job_id,
        "status": "antri",
        "status_url": f"{BASE}/imports/{job_id}",
        "result_url": f"{BASE}/imports/{job_id}/result",
        "rejects_url": f"{BASE}/imports/{job_id}/rejects",
    }
    job = ImportJob.objects.get(pk=job_id)
    assert job.source == "api"
    assert Path(job.keluarga_path).parent.parent == jobs_dir / "uploads"
    assert Path(job.keluarga_path).read_bytes() == (golden_dir / "keluarga.csv").read_bytes()

    status = api.get(started.json()["status_url"]).json()
    assert (status["id"], status["status"], status["progress"], status["stage"]) == (
        job_id,
        "selesai",
        100,
        "selesai",
    )
    assert status["error"] == ""
    assert status["finished_at"] is not None

    result = api.get(started.json()["result_url"])
    assert result.status_code == 200
    summary = result.json()
    expected = json.loads((golden_dir / "expected_import_summary.json").read_text())
    for part in ("households", "members"):
        assert {k: summary[part][k] for k in ("read", "accepted", "rejected")} == expected[part]
        assert (summary[part]["created"], summary[part]["updated"]) == (expected[part]["accepted"], 0)
    assert summary["rejects"] == expected["rejects"]
    assert summary["flags"] == expected["flags"]
    assert sorted(summary) == ["flags", "households", "members", "rejects", "rejects_file", "warnings"]
    assert summary["warnings"] == []
    assert Household.objects.count() == expected["households"]["accepted"]
    job = ImportJob.objects.get(source="api")
    assert Household.objects.filter(created_job=job).count() == 372

    rejects = api.get(started.json()["rejects_url"])
    assert rejects.status_code == 200
    assert rejects["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(rejects.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == sum(expected["rejects"].values())  # one line per problem
    assert set(rows[0]) == {"berkas", "baris", "kunci", "kolom", "kode", "nilai", "pesan"}


@pytest.mark.django_db
def test_an_unreadable_upload_fails_the_job_with_a_message(
    golden_dir, api, synchronous_imports, monkeypatch
) -> None:
    def run_and_record_failure(*, job):
        # the real background thread swallows the exception: the job row records it
        with pytest.raises(Exception, match="kosong"):
            import_job_run(job=job)

    monkeypatch.setattr("salur.registry.api.import_job_start_background", run_and_record_failure)
    empty = golden_dir / "kosong.csv"
    empty.write_bytes(b"")
    started = _upload(api, empty, golden_dir / "anggota.csv")
    assert started.status_code == 202
    status = api.get(started.json()["status_url"]).json()
    assert status["status"] == "gagal"
    assert "kosong" in status["error"]
    result = api.get(started.json()["result_url"])
    assert result.status_code == 409
    assert result.json()["detail"].startswith("Impor gagal: ")
    assert Household.objects.count() == 0


@pytest.mark.django_db
def test_result_of_a_running_import_answers_409(golden_dir, api, monkeypatch) -> None:
    monkeypatch.setattr("salur.registry.api.import_job_start_background", lambda *, job: None)
    started = _upload(api, golden_dir / "keluarga.csv", golden_dir / "anggota.csv").json()
    status = api.get(started["status_url"]).json()
    assert (status["status"], status["progress"], status["finished_at"]) == ("antri", 0, None)
    for url in (started["result_url"], started["rejects_url"]):
        response = api.get(url)
        assert response.status_code == 409
        assert response.json() == {"detail": "Impor masih berjalan (menunggu); coba lagi nanti"}


@pytest.mark.django_db
def test_import_without_both_files_is_refused(golden_dir, api, synchronous_imports) -> None:
    with (golden_dir / "keluarga.csv").open("rb") as k:
        response = api.post(f"{BASE}/imports", {"keluarga": k})
    assert response.status_code == 422
    assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_a_scoped_user_does_not_see_someone_elses_import(
    golden_dir, api, metro_api, synchronous_imports
) -> None:
    started = _upload(api, golden_dir / "keluarga.csv", golden_dir / "anggota.csv").json()
    for url in (started["status_url"], started["result_url"], started["rejects_url"]):
        assert metro_api.get(url).status_code == 404


# --- OpenAPI and the token command -----------------------------------------------------------------------


@pytest.mark.django_db
def test_openapi_document_lists_the_registry_paths() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        f"{BASE}/households": {"get", "post"},
        f"{BASE}/households/{{no_kk}}": {"get", "patch"},
        f"{BASE}/households/{{no_kk}}/members": {"post"},
        f"{BASE}/members/{{nik}}": {"get", "patch"},
        f"{BASE}/imports": {"post"},
        f"{BASE}/imports/{{job_id}}": {"get"},
        f"{BASE}/imports/{{job_id}}/result": {"get"},
        f"{BASE}/imports/{{job_id}}/rejects": {"get"},
    } == {p: set(ops) for p, ops in paths.items() if p.startswith(BASE)}


@pytest.mark.django_db
def test_users_token_prints_a_working_token_once(admin_user, capsys) -> None:
    call_command("users_token", admin_user.username, "--json")
    payload = json.loads(capsys.readouterr().out)
    assert sorted(payload) == ["token", "user"]
    assert payload["user"] == admin_user.username
    client = Client(HTTP_AUTHORIZATION=f"Token {payload['token']}")
    assert client.get(f"{BASE}/households").status_code == 200


@pytest.mark.django_db
def test_users_token_without_json_prints_only_the_token_on_stdout(admin_user) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("users_token", admin_user.username, stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert len(key.split()) == 1
    assert "Token API" in err.getvalue()
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get(f"{BASE}/households").status_code == 200


@pytest.mark.django_db
def test_users_token_for_an_unknown_user_fails_with_exit_code_2(db) -> None:
    from salur.accounts.models import ApiToken

    with pytest.raises(CommandFailed, match="Pengguna 'tidak_ada' tidak ada atau tidak aktif") as exc:
        call_command("users_token", "tidak_ada", "--json")
    assert exc.value.returncode == 2
    assert ApiToken.objects.count() == 0
