"""An approved usul becomes an enrolment proposal (usulan); staff download a citizen's attachment, scoped, masked
by role and audited."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from salur.core.errors import PermissionDenied, SalurError
from salur.core.models import AuditEntry
from salur.enrolment.models import Enrolment, Proposal
from salur.grievances.models import Submission
from salur.grievances.services import grievance_create, submission_create, submission_decide
from salur.grievances.tests.factories import DESA_BATANG, DESA_METRO, make_household, make_staff

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a scanned KK\n" + b"0" * 64
REGION = {"prov": "33", "kab": "3325", "kec": "332501", "desa": DESA_BATANG}


@pytest.fixture
def programs(db):
    from salur.programs.services import catalogue_load_defaults

    catalogue_load_defaults()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _usul(no_kk: str = "") -> Submission:
    return submission_create(
        kind="usul",
        kode_wilayah=DESA_BATANG,
        relation="orang_lain",
        nama_kepala="Karsih",
        no_kk=no_kk,
        text="Tetangga saya lansia sendirian, rumah bocor.",
    )


def test_an_approved_usul_becomes_an_enrolment_proposal_in_one_transaction(units, programs):
    staff = make_staff("u_batang", "operator_dinsos_kab", units["batang"])
    h = make_household(DESA_BATANG, ["Karsih"], desil=1)
    s = _usul(no_kk=h.no_kk)
    submission_decide(
        actor=staff, submission=s, status="disetujui", outcome="Layak setelah kunjungan.", program_code="pkh"
    )
    s.refresh_from_db()
    e = Enrolment.objects.get()
    assert (s.status, s.enrolment, s.household) == ("disetujui", e, h)
    assert (e.household, e.program.code, e.status, e.step) == (h, "PKH", "calon", "diusulkan")
    proposal = Proposal.objects.get()
    assert s.tracking_no in proposal.reason
    assert (proposal.proposed_by, proposal.source) == (staff, "dinsos")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["enrolment.propose", "usul.decide"]


def test_the_household_can_be_named_by_staff_when_the_citizen_gave_no_kk(units, programs):
    staff = make_staff("u_batang2", "operator_dinsos_kab", units["batang"])
    h = make_household(DESA_BATANG, ["Karsih"], desil=1)
    s = _usul()
    submission_decide(
        actor=staff, submission=s, status="disetujui", outcome="Ditemukan di registri.", program_code="SEMBAKO",
        no_kk=h.no_kk,
    )  # fmt: skip
    assert Enrolment.objects.get().household == h


@pytest.mark.parametrize(
    ("program", "kk", "message"),
    [
        ("", "registry", "Pilih program"),
        ("PKH", "", "nomor KK"),
        ("PKH", "0000000000000009", "belum ada di registri"),
        ("PKH", "metro", "belum ada di registri"),  # a household outside the actor's region
    ],
)
def test_approval_without_a_program_or_a_registered_household_is_refused(
    units, programs, program, kk, message
):
    staff = make_staff("u_batang3", "operator_dinsos_kab", units["batang"])
    ours = make_household(DESA_BATANG, ["Karsih"])
    theirs = make_household(DESA_METRO, ["Warsih"])
    no_kk = {"registry": ours.no_kk, "metro": theirs.no_kk}.get(kk, kk)
    s = _usul()
    with pytest.raises(SalurError, match=message):
        submission_decide(
            actor=staff,
            submission=s,
            status="disetujui",
            outcome="Layak setelah kunjungan.",
            program_code=program,
            no_kk=no_kk,
        )
    s.refresh_from_db()
    assert (s.status, s.enrolment_id) == ("diterima", None)
    assert not Enrolment.objects.exists()


def test_a_refused_proposal_leaves_the_usul_undecided(units, programs):
    staff = make_staff("u_batang4", "operator_dinsos_kab", units["batang"])
    h = make_household(DESA_BATANG, ["Karsih"])
    first, second = _usul(no_kk=h.no_kk), _usul(no_kk=h.no_kk)
    submission_decide(
        actor=staff,
        submission=first,
        status="disetujui",
        outcome="Layak setelah kunjungan.",
        program_code="PKH",
    )
    with pytest.raises(SalurError, match="sudah diusulkan"):
        submission_decide(
            actor=staff,
            submission=second,
            status="disetujui",
            outcome="Layak setelah kunjungan.",
            program_code="PKH",
        )
    second.refresh_from_db()
    assert (second.status, second.decided_at, second.enrolment_id) == ("diterima", None, None)
    assert Enrolment.objects.count() == 1
    # rejecting it (or a sanggah) proposes nothing and needs no program
    submission_decide(
        actor=staff, submission=second, status="ditolak", outcome="Sudah diusulkan lewat usul lain."
    )
    assert Proposal.objects.count() == 1


def test_a_role_that_cannot_propose_cannot_approve_an_usul(units, programs):
    sentra = make_staff("u_sentra", "petugas_sentra", units["batang"])  # handles grievances, not enrolment
    h = make_household(DESA_BATANG, ["Karsih"])
    s = _usul(no_kk=h.no_kk)
    with pytest.raises(PermissionDenied):
        submission_decide(
            actor=sentra,
            submission=s,
            status="disetujui",
            outcome="Layak setelah kunjungan.",
            program_code="PKH",
        )
    submission_decide(actor=sentra, submission=s, status="verifikasi", outcome="")
    s.refresh_from_db()
    assert (s.status, s.enrolment_id) == ("verifikasi", None)


def test_the_api_approves_an_usul_with_its_program(client, units, programs):
    staff = make_staff("u_api", "operator_dinsos_kab", units["batang"])
    h = make_household(DESA_BATANG, ["Karsih"])
    s = _usul(no_kk=h.no_kk)
    client.force_login(staff)
    url = f"/api/v1/grievances/submissions/{s.tracking_no}/decide"
    response = client.post(
        url, {"status": "disetujui", "outcome": "Layak setelah kunjungan."}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "Pilih program" in response.json()["detail"]
    response = client.post(
        url,
        {"status": "disetujui", "outcome": "Layak setelah kunjungan.", "program": "PKH"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert Enrolment.objects.get().household == h


# --- attachments ----------------------------------------------------------------------------------------------


def _upload(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_a_citizens_usul_attachment_reaches_staff_of_its_region_only(client, units):
    response = client.post(
        reverse("portal:usul"),
        {
            **REGION,
            "relation": "sendiri",
            "nama_kepala": "Karsih",
            "text": "Rumah saya bocor dan saya lansia.",
            "attachment": _upload("rumah.pdf", PDF),
        },
    )
    assert response.status_code == 302, response.content.decode()
    s = Submission.objects.get()
    assert s.attachment.name.startswith("submissions/")
    assert s.attachment.name.endswith(".pdf")
    assert "Karsih" not in str(s.attachment.name)
    url = reverse("grievances:submission_attachment", args=[s.tracking_no])

    batang = make_staff("a_batang", "operator_dinsos_kab", units["batang"])
    client.force_login(batang)
    assert url in client.get(reverse("grievances:submission_detail", args=[s.tracking_no])).content.decode()
    before = AuditEntry.objects.count()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="lampiran-{s.tracking_no}.pdf"'
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.object_id, entry.actor) == ("attachment.download", s.tracking_no, batang)

    client.force_login(make_staff("a_metro", "operator_dinsos_kab", units["metro"]))
    assert client.get(url).status_code == 404  # outside the region: as if it did not exist
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert AuditEntry.objects.filter(action="attachment.download").count() == 1


def test_roles_that_see_masked_nik_cannot_open_attachments(client, units):
    s = submission_create(
        kind="usul",
        kode_wilayah=DESA_BATANG,
        relation="sendiri",
        nama_kepala="Karsih",
        text="Foto KK saya terlampir.",
        attachment=SimpleUploadedFile("kk.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32),
    )
    pendamping = make_staff("a_pendamping", "pendamping", units["batang"])  # grievance.view, masked NIK
    client.force_login(pendamping)
    page = client.get(reverse("grievances:submission_detail", args=[s.tracking_no])).content.decode()
    assert "peran Anda tidak dapat membukanya" in page
    assert client.get(reverse("grievances:submission_attachment", args=[s.tracking_no])).status_code == 403
    assert not AuditEntry.objects.filter(action="attachment.download").exists()


def test_a_grievance_attachment_is_downloadable_but_never_by_the_worker_it_names(client, units):
    worker = make_staff("a_worker", "operator_desa", units["batang"])
    desk = make_staff("a_desk", "operator_dinsos_kab", units["batang"])
    g = grievance_create(
        actor=desk,
        category="pungli",
        channel="slrt",
        kode_wilayah=DESA_BATANG,
        text="Bantuan dipotong oleh petugas desa.",
        named_worker=worker,
        attachment=SimpleUploadedFile("kuitansi.jpg", b"\xff\xd8\xff\xe0" + b"0" * 32),
    )
    url = reverse("grievances:attachment", args=[g.tracking_no])
    client.force_login(worker)
    assert client.get(url).status_code == 404
    client.force_login(desk)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    plain = grievance_create(
        category="kartu", channel="web", kode_wilayah=DESA_BATANG, text="Kartu rusak sekali."
    )
    assert client.get(reverse("grievances:attachment", args=[plain.tracking_no])).status_code == 404


def test_a_sanggah_carries_an_attachment_checked_by_its_first_bytes(client, units, settings):
    from salur.portal.selectors import sanggah_token

    h = make_household(DESA_BATANG, ["Haji Kaya"], desil=9)
    url = reverse("portal:sanggah")
    data = {"t": sanggah_token(h.pk), "reason": "mampu", "text": "Punya tiga mobil dan toko."}
    response = client.post(url, {**data, "attachment": _upload("mobil.jpg", b"MZ\x90\x00 an exe")})
    assert "Lampiran harus berupa foto JPG/PNG atau PDF" in response.content.decode()
    assert not Submission.objects.exists()
    response = client.post(url, {**data, "attachment": _upload("mobil.jpg", b"\xff\xd8\xff\xe0" + b"1" * 16)})
    assert response.status_code == 302
    assert Submission.objects.get().attachment.name.endswith(".jpg")
