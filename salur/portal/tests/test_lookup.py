"""The public lookup: masking, no enumeration, rate limits, the NIK never echoed, usul/sanggah/pengaduan intake."""

from __future__ import annotations

import io
from html import unescape
from urllib.parse import unquote

import pytest
from django.urls import reverse

from salur.grievances.models import Grievance, Submission
from salur.grievances.tests.factories import DESA_BATANG, make_household
from salur.portal.selectors import RESULT_CAP, LookupRefused, lookup_by_name, lookup_by_nik

pytestmark = pytest.mark.django_db

URL = "/cek-bansos/"
REGION = {"prov": "33", "kab": "3325", "kec": "332501", "desa": DESA_BATANG}


def _search(client, **data):
    return client.post(URL, {"cari": "nama", **REGION, **data})


def test_the_index_answers_without_login_on_its_public_url(client):
    assert reverse("portal:index") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert "Cek penerima bantuan sosial" in response.content.decode()


def test_a_name_search_shows_masked_names_programs_and_last_tahap_only(client, village):
    response = _search(client, nama="siti")
    page = response.content.decode()
    assert response.status_code == 200
    assert "SI***H" in page  # Siti Aminah
    assert "Siti" not in page
    assert "Aminah" not in page
    assert "PKH: Penerima · tahap 2024-T2" in page
    assert "SEMBAKO: Penerima · tahap 2024-05" in page
    member = village["siti"].members.get(nama="Siti Aminah")
    assert member.nik not in page
    assert village["siti"].no_kk not in page


def test_registered_people_without_a_program_are_told_so(client, village):
    page = _search(client, nama="sukirman").content.decode()
    assert "SU***N" in page
    assert "belum menerima bantuan" in page
    assert "Sanggah penerima ini" not in page


def test_a_query_must_be_specific(village):
    with pytest.raises(LookupRefused):
        lookup_by_name(kode_desa=DESA_BATANG, nama="s")  # one letter
    # two letters match only a whole name (people called "Ai" exist), never a part of one
    assert lookup_by_name(kode_desa=DESA_BATANG, nama="si").rows == []
    make_household(DESA_BATANG, ["Ai"])
    assert [r.masked_name for r in lookup_by_name(kode_desa=DESA_BATANG, nama="ai").rows] == ["A***"]
    with pytest.raises(LookupRefused):
        lookup_by_name(kode_desa="3325", nama="siti")  # a kabupaten, not a desa
    with pytest.raises(LookupRefused):
        lookup_by_name(kode_desa=DESA_BATANG, nama="  a  ")
    with pytest.raises(LookupRefused):
        lookup_by_nik(nik="33250")


def test_a_query_matching_more_than_the_cap_returns_nobody(client, village):
    for i in range(RESULT_CAP):
        make_household(DESA_BATANG, [f"Suparmi {i}"])
    # exactly the cap: all shown
    assert len(lookup_by_name(kode_desa=DESA_BATANG, nama="supar").rows) == RESULT_CAP
    # one more than the cap: nobody is shown (no paging through a desa with a short name)
    make_household(DESA_BATANG, ["Suparmi X"])
    result = lookup_by_name(kode_desa=DESA_BATANG, nama="supar")
    assert result.too_many
    assert result.rows == []
    page = _search(client, nama="supar").content.decode()
    assert "Terlalu banyak nama yang cocok" in page
    assert "SU***I" not in page


def test_a_nik_search_finds_the_person_and_never_echoes_the_nik(client, village):
    nik = village["sutini"].members.get(nama="Sutini").nik
    response = client.post(URL, {"cari": "nik", "nik": nik})
    page = response.content.decode()
    assert "SU***I" in page
    assert "SEMBAKO" in page
    assert nik not in page
    assert nik[:6] not in page.replace(DESA_BATANG, "")  # not even masked
    # a wrong NIK is not echoed either
    page = client.post(URL, {"cari": "nik", "nik": "3325019999999999"}).content.decode()
    assert "3325019999999999" not in page
    assert "Tidak ditemukan" in page


def test_lookups_are_rate_limited_per_client(client, village, settings):
    settings.SALUR_PORTAL_RATE_LIMITS = "lookup=3/60"
    for _ in range(3):
        assert _search(client, nama="siti").status_code == 200
    response = _search(client, nama="siti")
    assert response.status_code == 429
    assert "Terlalu banyak permintaan" in response.content.decode()
    assert int(response["Retry-After"]) >= 1
    # another client is not affected
    other = client.post(URL, {"cari": "nama", **REGION, "nama": "siti"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_choosing_a_region_level_does_not_count_as_a_search(client, village, settings):
    settings.SALUR_PORTAL_RATE_LIMITS = "lookup=1/60"
    for _ in range(5):
        response = client.post(URL, {"prov": "33", "_pick": "1"})
        assert response.status_code == 200
    assert "Batang" in response.content.decode()  # the kabupaten list of Jawa Tengah


def test_a_sanggah_starts_from_a_lookup_result_and_lands_in_the_dinsos_queue(client, village):
    page = _search(client, nama="sutini").content.decode()
    token = unquote(unescape(page.split("?t=")[1].split('"')[0]))
    response = client.get(reverse("portal:sanggah"), {"t": token})
    assert "SU***I" in response.content.decode()
    response = client.post(
        reverse("portal:sanggah"),
        {
            "t": token,
            "reason": "mampu",
            "text": "Keluarga ini punya mobil dan toko besar.",
            "reporter_name": "Warga",
        },
    )
    assert response.status_code == 302
    s = Submission.objects.get()
    assert (s.kind, s.household, s.unit.kode, s.reason) == (
        "sanggah",
        village["sutini"],
        "dinsos-batang-uji",
        "mampu",
    )
    assert s.tracking_no in response["Location"]


def test_a_forged_or_missing_sanggah_token_is_refused(client, village):
    assert "hasil pencarian" in client.get(reverse("portal:sanggah")).content.decode()
    response = client.post(reverse("portal:sanggah"), {"t": "1:forged", "reason": "mampu", "text": "x" * 20})
    assert response.status_code == 400
    assert Submission.objects.count() == 0


def test_an_usul_gets_a_tracking_number(client, village):
    response = client.post(
        reverse("portal:usul"),
        {
            **REGION,
            "relation": "orang_lain",
            "nama_kepala": "Pak Darmo",
            "no_kk": "",
            "alamat": "RT 02 RW 01",
            "jumlah_anggota": "4",
            "text": "Tetangga saya janda dengan tiga anak, rumah berlantai tanah.",
        },
    )
    assert response.status_code == 302
    s = Submission.objects.get()
    assert (s.kind, s.wilayah_id, s.unit.kode) == ("usul", DESA_BATANG, "dinsos-batang-uji")
    page = client.get(response["Location"]).content.decode()
    assert s.tracking_no in page
    assert "Diterima, menunggu verifikasi" in page


def test_an_usul_with_a_bad_kk_is_refused_with_a_message(client, village):
    response = client.post(
        reverse("portal:usul"),
        {
            **REGION,
            "relation": "sendiri",
            "nama_kepala": "Darmo",
            "no_kk": "12ab",
            "text": "Kami keluarga miskin sekali.",
        },
    )
    assert response.status_code == 200
    assert "Nomor KK harus tepat 16 angka" in response.content.decode()
    assert Submission.objects.count() == 0


def test_a_grievance_with_a_script_is_stored_as_text_and_shown_escaped(client, village, admin_user):
    nik = village["siti"].members.get(nama="Siti Aminah").nik
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)> uang dipotong pendamping'
    response = client.post(
        reverse("portal:pengaduan"),
        {
            **REGION,
            "category": "pungli",
            "nik": nik,
            "about_worker": "on",
            "text": evil,
            "reporter_name": "<b>Ani</b>",
        },
    )
    assert response.status_code == 302
    g = Grievance.objects.get()
    assert g.text == evil  # stored as typed
    assert g.household == village["siti"]
    assert g.unit.kode == "dinsos-jateng-uji"  # about a worker: one level above the kabupaten
    client.force_login(admin_user)
    page = client.get(reverse("grievances:detail", args=[g.tracking_no])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert "<b>Ani</b>" not in page
    track = client.get(response["Location"]).content.decode()
    assert "<script>" not in track


def test_uploads_are_checked_for_type_and_size(client, village):
    def post(name: str, content: bytes):
        f = io.BytesIO(content)
        f.name = name
        return client.post(
            reverse("portal:pengaduan"),
            {**REGION, "category": "kartu", "text": "Kartu rusak tidak bisa dipakai.", "attachment": f},
        )

    response = post("foto.jpg", b"MZ\x90\x00 not a picture")
    assert response.status_code == 200
    assert "Lampiran harus berupa foto JPG/PNG atau PDF" in response.content.decode()
    response = post("besar.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024 + 1))
    assert "paling besar 2 MB" in response.content.decode()
    assert Grievance.objects.count() == 0
    response = post("kartu.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert response.status_code == 302
    g = Grievance.objects.get()
    assert g.attachment.name.endswith(".png")
    g.attachment.delete(save=False)


def test_public_forms_need_the_csrf_token(village):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("portal:pengaduan"), {**REGION, "category": "kartu", "text": "Kartu rusak sekali."}
    )
    assert response.status_code == 403
    assert Grievance.objects.count() == 0


def test_submissions_are_rate_limited(client, village, settings):
    settings.SALUR_PORTAL_RATE_LIMITS = "submit=2/600"
    data = {**REGION, "category": "kartu", "text": "Kartu rusak tidak bisa dipakai."}
    assert client.post(reverse("portal:pengaduan"), data).status_code == 302
    assert client.post(reverse("portal:pengaduan"), data).status_code == 302
    assert client.post(reverse("portal:pengaduan"), data).status_code == 429
    assert Grievance.objects.count() == 2


def test_tracking_an_unknown_number_says_so(client, village):
    page = client.get(reverse("portal:track"), {"no": "ADU-XXXXXXXXXX"}).content.decode()
    assert "Nomor lacak tidak ditemukan" in page
