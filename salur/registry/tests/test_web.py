"""The registry's web pages, through Django's test client, on the contract's worked example."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from salur.registry import schema
from salur.registry.models import Household, ImportJob, Member, RegistryChange, Source
from salur.registry.services import import_job_create, import_job_run

pytestmark = pytest.mark.django_db

INDRAMAYU = "3212"
METRO = "1872"
# A valid household of the exchange format in Indramayu (the desa of the worked example's first 3212 row).
NEW_KK = "3212990101240001"


@pytest.fixture
def jobs_dir(settings, tmp_path: Path) -> Path:
    settings.SALUR_JOBS_DIR = tmp_path / "jobs"
    return settings.SALUR_JOBS_DIR


@pytest.fixture
def admin_client(client, admin_user, jobs_dir):
    client.force_login(admin_user)
    return client


@pytest.fixture
def metro_client(client, make_user, jobs_dir):
    client.force_login(make_user("metro", "operator_dinsos_kab", wilayah=METRO))
    return client


@pytest.fixture
def indramayu_household(golden_registry) -> Household:
    """An Indramayu household of the worked example with at least two members and no flags."""
    household = (
        Household.objects.filter(wilayah__kode__startswith=INDRAMAYU, flags="")
        .exclude(members__flags__gt="")
        .filter(members__hubungan="anak")
        .order_by("no_kk")
        .first()
    )
    assert household is not None
    return household


def valid_household_data(kode_wilayah: str) -> dict[str, str]:
    return {
        "no_kk": NEW_KK,
        "kode_wilayah": kode_wilayah,
        "alamat": "Jl. Uji No. 1",
        "rt": "001",
        "rw": "002",
        "luas_lantai_m2": "36.5",
        "jenis_lantai": "semen",
        "jenis_dinding": "tembok",
        "jenis_atap": "genteng",
        "sumber_air_minum": "sumur_terlindung",
        "sumber_penerangan": "pln_meteran",
        "daya_listrik_va": "450",
        "bahan_bakar_memasak": "gas_3kg",
        "fasilitas_bab": "sendiri",
        "status_rumah": "milik_sendiri",
        **dict.fromkeys(schema.ASET, "0"),
        "aset_motor": "1",
        "bank": "BRI",
        "no_rekening": "123456789012345",
        "desil": "2",
        "pengeluaran_per_kapita": "",
        "tanggal_pendataan": "2024-01-15",
    }


def member_post_data(member: Member, **changes: str) -> dict[str, str]:
    """The member's current values as the edit form posts them (no nik, no no_kk)."""
    data = {
        "nama": member.nama,
        "jenis_kelamin": member.jenis_kelamin,
        "tempat_lahir": member.tempat_lahir,
        "tanggal_lahir": member.tanggal_lahir.isoformat(),
        "hubungan": member.hubungan,
        "status_kawin": member.status_kawin,
        "pendidikan": member.pendidikan,
        "sekolah": member.sekolah,
        "pekerjaan": member.pekerjaan,
        "disabilitas": member.disabilitas,
        "hamil": "1" if member.hamil else "0",
        "nama_ibu": member.nama_ibu,
    }
    data.update(changes)
    return data


def found_no_kks(response) -> list[str]:
    return [row["household"].no_kk for row in response.context["rows"]]


# --- login ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("registry:household_list", {}),
        ("registry:household_detail", {"no_kk": "3212092406108030"}),
        ("registry:household_create", {}),
        ("registry:household_edit", {"no_kk": "3212092406108030"}),
        ("registry:member_create", {"no_kk": "3212092406108030"}),
        ("registry:member_edit", {"nik": "3212232402069630"}),
        ("registry:import_upload", {}),
        ("registry:import_detail", {"job_id": 1}),
        ("registry:import_status", {"job_id": 1}),
        ("registry:import_rejects", {"job_id": 1}),
    ],
)
def test_every_registry_page_redirects_an_anonymous_visitor_to_the_login_page(client, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_the_site_root_leads_to_the_registry_and_the_login_page_renders(client):
    assert client.get("/")["Location"] == reverse("registry:household_list")
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Masuk ke Salur" in response.content.decode()


def test_logging_in_through_the_form_opens_the_registry(client, admin_user):
    from salur.conftest import DEMO_PASSWORD

    response = client.post(
        reverse("login"), {"username": "admin_uji", "password": DEMO_PASSWORD}, follow=True
    )
    assert response.redirect_chain == [(reverse("registry:household_list"), 302)]
    page = response.content.decode()
    assert "admin_uji" in page
    assert "Administrator pusat" in page
    assert 'action="/keluar/"' in page


# --- search -----------------------------------------------------------------------------------------------


def test_search_by_a_members_nik_finds_exactly_that_household(admin_client, indramayu_household):
    member = indramayu_household.members.order_by("nik").last()
    response = admin_client.get(reverse("registry:household_list"), {"q": member.nik})
    assert response.status_code == 200
    assert found_no_kks(response) == [indramayu_household.no_kk]
    assert response.context["page"].paginator.count == 1


def test_search_by_no_kk_finds_exactly_that_household(admin_client, indramayu_household):
    response = admin_client.get(reverse("registry:household_list"), {"q": indramayu_household.no_kk})
    assert found_no_kks(response) == [indramayu_household.no_kk]
    row = response.context["rows"][0]
    assert row["member_count"] == indramayu_household.members.count()
    assert row["head"].hubungan == "kepala_keluarga"


def test_search_by_a_name_finds_the_household_of_the_only_person_with_that_name(
    admin_client, golden_registry
):
    names = list(Member.objects.values_list("nama", flat=True))
    unique = next(
        n for n in sorted(set(names)) if " " in n and sum(n.lower() in other.lower() for other in names) == 1
    )
    member = Member.objects.select_related("household").get(nama=unique)
    response = admin_client.get(reverse("registry:household_list"), {"q": unique.upper()})
    assert found_no_kks(response) == [member.household.no_kk]


def test_search_by_region_code_dotted_or_not_lists_the_households_of_that_desa(
    admin_client, indramayu_household
):
    code = indramayu_household.wilayah_id
    expected = sorted(Household.objects.filter(wilayah_id=code).values_list("no_kk", flat=True))
    dotted = f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"
    for term in (code, dotted):
        response = admin_client.get(reverse("registry:household_list"), {"wilayah": term})
        assert found_no_kks(response) == expected
    assert indramayu_household.no_kk in expected


def test_flag_filter_lists_the_households_without_exactly_one_head(admin_client, golden_registry):
    response = admin_client.get(reverse("registry:household_list"), {"flag": "KEPALA_KELUARGA"})
    # contract's worked example: 8 households flagged KEPALA_KELUARGA
    assert response.context["page"].paginator.count == 8
    assert all("KEPALA_KELUARGA" in row["flags"] for row in response.context["rows"])
    assert 'class="badge badge-flag"' in response.content.decode()


def test_results_are_paginated_by_25_and_page_links_keep_the_filters(admin_client, golden_registry):
    total = Household.objects.filter(wilayah__kode__startswith="32").count()
    assert total > 50
    url = reverse("registry:household_list")
    first = admin_client.get(url, {"wilayah": "32", "flag": ""})
    assert len(first.context["rows"]) == 25
    assert first.context["page"].paginator.count == total
    page = first.content.decode()
    assert f"{total} keluarga ditemukan" in page
    assert 'href="?wilayah=32&amp;flag=&amp;page=2"' in page

    last_number = (total + 24) // 25
    last = admin_client.get(url, {"wilayah": "32", "flag": "", "page": str(last_number)})
    assert len(last.context["rows"]) == total - 25 * (last_number - 1)
    everything = [
        no_kk
        for n in range(1, last_number + 1)
        for no_kk in found_no_kks(admin_client.get(url, {"wilayah": "32", "page": str(n)}))
    ]
    assert everything == sorted(
        Household.objects.filter(wilayah__kode__startswith="32").values_list("no_kk", flat=True)
    )


# --- household page ---------------------------------------------------------------------------------------


def test_household_page_shows_its_fields_members_and_import_history(admin_client, indramayu_household):
    h = indramayu_household
    response = admin_client.get(reverse("registry:household_detail", args=[h.no_kk]))
    assert response.status_code == 200
    page = response.content.decode()
    for member in h.members.all():
        assert member.nik in page
        assert reverse("registry:member_edit", args=[member.nik]) in page
    assert h.wilayah.nama in page
    assert "Jenis lantai" in page
    assert [r.kode for r in response.context["region_path"]] == [
        h.wilayah_id[:2],
        h.wilayah_id[:4],
        h.wilayah_id[:6],
        h.wilayah_id,
    ]
    history = response.context["history"]
    # the import recorded the creation of the household and of each member
    assert sorted((i["change"].entity, i["change"].action) for i in history) == sorted(
        [("household", "create")] + [("member", "create")] * h.members.count()
    )
    assert {i["change"].source for i in history} == {Source.CLI}


def test_household_page_explains_its_flags_in_indonesian(admin_client, golden_registry):
    household = Household.objects.filter(flags__contains="KEPALA_KELUARGA").order_by("no_kk")[0]
    flagged_member = Member.objects.filter(flags__contains="NIK_JENIS_KELAMIN").select_related("household")[0]
    page = admin_client.get(reverse("registry:household_detail", args=[household.no_kk])).content.decode()
    assert schema.FLAG_MESSAGES["KEPALA_KELUARGA"] in page
    page = admin_client.get(
        reverse("registry:household_detail", args=[flagged_member.household.no_kk])
    ).content.decode()
    assert schema.FLAG_MESSAGES["NIK_JENIS_KELAMIN"] in page


def test_unknown_household_is_404(admin_client, golden_registry):
    assert (
        admin_client.get(reverse("registry:household_detail", args=["0000000000000000"])).status_code == 404
    )
    assert admin_client.get(reverse("registry:member_edit", args=["0000000000000000"])).status_code == 404


# --- household forms ------------------------------------------------------------------------------------


def test_household_form_renders_selects_with_the_contracts_values(admin_client):
    response = admin_client.get(reverse("registry:household_create"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<select name="jenis_lantai"' in page
    for value in schema.JENIS_LANTAI:
        assert f'<option value="{value}"' in page
    assert 'type="date" name="tanggal_pendataan"' in page


def test_creating_a_valid_household_redirects_to_its_page_and_records_the_creation(
    admin_client, indramayu_household, admin_user
):
    data = valid_household_data(indramayu_household.wilayah_id)
    response = admin_client.post(reverse("registry:household_create"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[NEW_KK])
    created = Household.objects.get(no_kk=NEW_KK)
    assert (created.luas_lantai_m2, created.bank, created.no_rekening, created.desil) == (
        36.5,
        "BRI",
        "123456789012345",
        2,
    )
    change = RegistryChange.objects.get(entity="household", key=NEW_KK)
    assert (change.action, change.source, change.actor_id) == ("create", Source.WEB, admin_user.pk)
    page = admin_client.get(response["Location"]).content.decode()
    assert f"Keluarga {NEW_KK} disimpan." in page
    # no member yet: the household is flagged for having no head
    assert "KEPALA_KELUARGA" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"kode_wilayah": "3212999999"},
            "kode_wilayah",
            "Kode wilayah bukan kode desa/kelurahan yang berlaku (10 angka tanpa titik, Kemendagri 2025)",
        ),
        ({"no_rekening": ""}, "no_rekening", "Bank diisi tetapi nomor rekening kosong"),
        ({"bank": ""}, "no_rekening", "Nomor rekening diisi tetapi bank kosong"),
        ({"jenis_lantai": ""}, "jenis_lantai", "Jenis lantai (jenis_lantai) wajib diisi"),
        ({"no_kk": "12345"}, "no_kk", "Nomor KK harus tepat 16 angka"),
        (
            {"tanggal_pendataan": "2024-02-30"},
            "tanggal_pendataan",
            "Tanggal pendataan bukan tanggal yang sah; tulis TTTT-BB-HH, misalnya 2024-01-15",
        ),
    ],
)
def test_an_invalid_household_is_shown_again_with_the_imports_message_and_nothing_is_stored(
    admin_client, indramayu_household, changes, field, message
):
    data = valid_household_data(indramayu_household.wilayah_id) | changes
    households_before = Household.objects.count()
    changes_before = RegistryChange.objects.count()
    response = admin_client.post(reverse("registry:household_create"), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert Household.objects.count() == households_before
    assert RegistryChange.objects.count() == changes_before
    # what the clerk typed is kept
    assert response.context["form"]["alamat"].value() == "Jl. Uji No. 1"


def test_creating_a_household_whose_no_kk_exists_is_refused(admin_client, indramayu_household):
    data = valid_household_data(indramayu_household.wilayah_id) | {"no_kk": indramayu_household.no_kk}
    response = admin_client.post(reverse("registry:household_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["no_kk"] == ["Nomor KK ini sudah ada di registri"]


def test_editing_a_household_changes_its_fields_but_never_its_no_kk(admin_client, indramayu_household):
    h = indramayu_household
    url = reverse("registry:household_edit", args=[h.no_kk])
    form = admin_client.get(url).context["form"]
    assert "no_kk" not in form.fields
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"alamat": "Jl. Baru No. 9", "no_kk": "9999999999999999"}
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[h.no_kk])
    h.refresh_from_db()
    assert h.alamat == "Jl. Baru No. 9"
    assert not Household.objects.filter(no_kk="9999999999999999").exists()
    change = RegistryChange.objects.get(entity="household", key=h.no_kk, action="update")
    assert change.after == {"alamat": "Jl. Baru No. 9"}


# --- member forms ---------------------------------------------------------------------------------------


def test_editing_a_members_pendidikan_records_before_and_after_in_the_history(
    admin_client, indramayu_household, admin_user
):
    member = indramayu_household.members.order_by("nik").first()
    old = member.pendidikan
    new = "sarjana" if old != "sarjana" else "sma"
    url = reverse("registry:member_edit", args=[member.nik])
    assert admin_client.get(url).context["form"]["pendidikan"].value() == old

    response = admin_client.post(url, member_post_data(member, pendidikan=new, nik="1111111111111111"))
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[indramayu_household.no_kk])
    member.refresh_from_db()
    assert (member.pendidikan, member.nik) == (new, member.nik)
    change = RegistryChange.objects.get(entity="member", key=member.nik, action="update")
    assert (change.before, change.after) == ({"pendidikan": old}, {"pendidikan": new})
    assert (change.source, change.actor_id) == (Source.WEB, admin_user.pk)

    detail = admin_client.get(response["Location"])
    update = next(i for i in detail.context["history"] if i["change"].action == "update")
    assert update["rows"] == [
        {
            "name": "pendidikan",
            "label": "Pendidikan",
            "before": old.replace("_", " "),
            "after": new.replace("_", " "),
        }
    ]
    page = detail.content.decode()
    assert "Perubahan anggota" in page
    assert f'<td class="after">{new}</td>' in page


def test_an_invalid_member_edit_is_shown_again_and_changes_nothing(admin_client, indramayu_household):
    member = indramayu_household.members.order_by("nik").first()
    response = admin_client.post(
        reverse("registry:member_edit", args=[member.nik]),
        member_post_data(member, tanggal_lahir="1899-12-31", pekerjaan="astronot"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["pekerjaan"] == [
        "Nilai Pekerjaan tidak dikenal; pilihan yang sah: " + ", ".join(schema.PEKERJAAN)
    ]
    assert len(errors["tanggal_lahir"]) == 1
    assert not RegistryChange.objects.filter(entity="member", key=member.nik, action="update").exists()
    assert Member.objects.get(pk=member.pk).tanggal_lahir == member.tanggal_lahir


def test_adding_a_member_to_a_household_stores_it_under_that_household(admin_client, indramayu_household):
    head = indramayu_household.members.get(hubungan="kepala_keluarga")
    nik = head.nik[:6] + "010120" + "9999"  # kecamatan of the head, born 1 Jan 2020, male
    data = member_post_data(
        head,
        nama="Anak Baru",
        jenis_kelamin="L",
        tanggal_lahir="2020-01-01",
        hubungan="anak",
        status_kawin="belum_kawin",
        pendidikan="tidak_sekolah",
        sekolah="paud",
        pekerjaan="tidak_bekerja",
        disabilitas="tidak",
        hamil="0",
    ) | {"nik": nik, "no_kk": "0000000000000000"}
    response = admin_client.post(reverse("registry:member_create", args=[indramayu_household.no_kk]), data)
    assert response.status_code == 302
    member = Member.objects.get(nik=nik)
    assert (member.household_id, member.nama, member.flags) == (indramayu_household.pk, "Anak Baru", "")


# --- import upload --------------------------------------------------------------------------------------


@pytest.fixture
def started_jobs(monkeypatch) -> list[ImportJob]:
    """The upload view's background start, replaced by a recorder: the test runs the job itself."""
    started: list[ImportJob] = []
    monkeypatch.setattr(
        "salur.registry.views.import_job_start_background", lambda *, job: started.append(job)
    )
    return started


def upload(golden_dir: Path) -> dict[str, SimpleUploadedFile]:
    return {
        "keluarga": SimpleUploadedFile("keluarga_indramayu.csv", (golden_dir / "keluarga.csv").read_bytes()),
        "anggota": SimpleUploadedFile("anggota_indramayu.csv", (golden_dir / "anggota.csv").read_bytes()),
    }


def test_uploading_the_worked_example_runs_an_import_with_the_contracts_answers(
    admin_client, golden_dir, jobs_dir, started_jobs, admin_user
):
    response = admin_client.post(reverse("registry:import_upload"), upload(golden_dir))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_detail", args=[job.pk])
    assert started_jobs == [job]
    assert (job.source, job.created_by_id, job.status) == (Source.WEB, admin_user.pk, ImportJob.Status.QUEUED)
    assert (job.keluarga_name, job.anggota_name) == ("keluarga_indramayu.csv", "anggota_indramayu.csv")
    stored = Path(job.keluarga_path)
    assert stored.name == "keluarga.csv"
    assert stored.parent.parent == jobs_dir / "uploads"
    assert len(stored.parent.name) == 32
    assert stored.read_bytes() == (golden_dir / "keluarga.csv").read_bytes()
    assert Path(job.anggota_path).read_bytes() == (golden_dir / "anggota.csv").read_bytes()

    queued = admin_client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert f'data-status-url="{reverse("registry:import_status", args=[job.pk])}"' in queued
    assert "import-progress.js" in queued
    status = admin_client.get(reverse("registry:import_status", args=[job.pk])).json()
    assert (status["status"], status["progress"], status["summary"], status["error"]) == (
        "antri",
        0,
        None,
        "",
    )

    import_job_run(job=job)

    expected = json.loads((golden_dir / "expected_import_summary.json").read_text())
    status = admin_client.get(reverse("registry:import_status", args=[job.pk])).json()
    assert (status["status"], status["progress"], status["stage"], status["error"]) == (
        "selesai",
        100,
        "selesai",
        "",
    )
    for part in ("households", "members"):
        for key, value in expected[part].items():
            assert status["summary"][part][key] == value
    assert status["summary"]["rejects"] == expected["rejects"]
    assert status["summary"]["flags"] == expected["flags"]

    detail = admin_client.get(reverse("registry:import_detail", args=[job.pk]))
    page = detail.content.decode()
    assert "data-status-url" not in page
    assert "Ringkasan" in page
    assert detail.context["summary"]["rejects"][0] == {
        "code": "KOLOM_WAJIB",
        "count": 9,
        "message": "nilai wajib kosong, atau kolom wajib tidak ada",
    }
    assert schema.FLAG_MESSAGES["HAMIL_TIDAK_WAJAR"] in page
    assert reverse("registry:import_rejects", args=[job.pk]) in page

    rejects = admin_client.get(reverse("registry:import_rejects", args=[job.pk]))
    assert rejects.status_code == 200
    assert rejects["Content-Disposition"] == f'attachment; filename="penolakan-impor-{job.pk}.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(rejects.streaming_content).decode("utf-8-sig"))))
    assert Counter(r["kode"] for r in rows) == Counter(expected["rejects"])
    assert set(rows[0]) == {"berkas", "baris", "kunci", "kolom", "kode", "nilai", "pesan"}

    listing = admin_client.get(reverse("registry:import_upload"))
    assert list(listing.context["jobs"]) == [job]


def test_a_failed_import_shows_its_error_and_offers_no_rejects_file(
    admin_client, jobs_dir, admin_user, tmp_path
):
    missing = tmp_path / "tidak-ada.csv"
    job = import_job_create(actor=admin_user, keluarga_path=missing, anggota_path=missing, source=Source.WEB)
    with pytest.raises(Exception, match="tidak ditemukan"):
        import_job_run(job=job)
    job.refresh_from_db()
    page = admin_client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "Impor gagal" in page
    assert job.error in page
    status = admin_client.get(reverse("registry:import_status", args=[job.pk])).json()
    assert (status["status"], status["error"]) == ("gagal", job.error)
    assert admin_client.get(reverse("registry:import_rejects", args=[job.pk])).status_code == 404


def test_upload_refuses_files_that_are_not_csv_and_nothing_is_started(admin_client, golden_dir, started_jobs):
    files = upload(golden_dir)
    files["anggota"] = SimpleUploadedFile("anggota.xlsx", b"PK\x03\x04")
    response = admin_client.post(reverse("registry:import_upload"), files)
    assert response.status_code == 200
    assert response.context["form"].errors["anggota"] == ["Berkas anggota.xlsx bukan berkas .csv."]
    assert response.context["form"].errors.get("keluarga") is None
    assert ImportJob.objects.count() == 0
    assert started_jobs == []


def test_upload_refuses_files_over_the_size_limit(admin_client, golden_dir, started_jobs, settings):
    settings.SALUR_MAX_UPLOAD_BYTES = 100_000
    response = admin_client.post(reverse("registry:import_upload"), upload(golden_dir))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["anggota"] == [
        "Berkas anggota_indramayu.csv terlalu besar (169,2\xa0KB); paling besar 97,7\xa0KB."
    ]
    assert "keluarga" not in errors
    assert ImportJob.objects.count() == 0


def test_upload_requires_both_files(admin_client, started_jobs):
    response = admin_client.post(reverse("registry:import_upload"), {})
    assert response.context["form"].errors == {
        "keluarga": ["Pilih berkas CSV."],
        "anggota": ["Pilih berkas CSV."],
    }


# --- region scope ---------------------------------------------------------------------------------------


def test_a_user_of_another_region_cannot_see_or_change_an_indramayu_household(
    metro_client, indramayu_household
):
    h = indramayu_household
    member = h.members.first()
    assert metro_client.get(reverse("registry:household_detail", args=[h.no_kk])).status_code == 404
    assert metro_client.get(reverse("registry:household_edit", args=[h.no_kk])).status_code == 404
    assert metro_client.get(reverse("registry:member_create", args=[h.no_kk])).status_code == 404
    assert metro_client.get(reverse("registry:member_edit", args=[member.nik])).status_code == 404
    response = metro_client.post(
        reverse("registry:member_edit", args=[member.nik]), member_post_data(member, nama="Diubah")
    )
    assert response.status_code == 404
    assert Member.objects.get(pk=member.pk).nama == member.nama
    search = metro_client.get(reverse("registry:household_list"), {"q": member.nik})
    assert found_no_kks(search) == []
    everything = found_no_kks(metro_client.get(reverse("registry:household_list")))
    assert all(Household.objects.get(no_kk=k).wilayah_id.startswith(METRO) for k in everything)


def test_a_user_of_another_region_cannot_see_someone_elses_import(metro_client, golden_registry):
    job = ImportJob.objects.get()
    for name in ("registry:import_detail", "registry:import_status", "registry:import_rejects"):
        assert metro_client.get(reverse(name, args=[job.pk])).status_code == 404
    assert list(metro_client.get(reverse("registry:import_upload")).context["jobs"]) == []


# --- query counts ---------------------------------------------------------------------------------------


def test_a_page_of_25_results_costs_the_same_few_queries_whatever_the_households(
    admin_client, golden_registry, django_assert_num_queries
):
    url = reverse("registry:household_list")
    # session, user, count, the page's households with their region, their members
    with django_assert_num_queries(5):
        first = admin_client.get(url)
    with django_assert_num_queries(5):
        second = admin_client.get(url, {"page": "2"})
    assert len(first.context["rows"]) == len(second.context["rows"]) == 25


def test_the_household_page_costs_a_fixed_number_of_queries(
    admin_client, indramayu_household, django_assert_num_queries
):
    # session, user, household with region, members, region path, member keys for the history, history
    with django_assert_num_queries(7):
        response = admin_client.get(reverse("registry:household_detail", args=[indramayu_household.no_kk]))
    assert response.status_code == 200
