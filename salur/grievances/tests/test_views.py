"""Staff pages: the queue (overdue highlighted, unit filter, bulk actions), roles, region scope, the named worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from salur.grievances.models import Grievance, Submission
from salur.grievances.services import grievance_create, submission_create
from salur.grievances.tests.factories import DESA_BATANG, DESA_METRO, make_household, make_staff

pytestmark = pytest.mark.django_db

TEXT = "Kartu KKS terblokir setelah salah PIN."


def _g(**kw):
    args: dict[str, Any] = {"category": "kartu", "channel": "web", "kode_wilayah": DESA_BATANG, "text": TEXT}
    args.update(kw)
    return grievance_create(**args)


def test_the_queue_shows_the_units_items_and_highlights_the_overdue(client, units):
    staff = make_staff("q_batang", "operator_dinsos_kab", units["batang"])
    late, fresh = _g(), _g()
    Grievance.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    _g(kode_wilayah=DESA_METRO)
    client.force_login(staff)
    page = client.get("/pengaduan/").content.decode()
    assert f'<tr class="row-overdue" data-tracking="{late.tracking_no}">' in page
    assert f'<tr class="" data-tracking="{fresh.tracking_no}">' in page
    assert "2 pengaduan" in page
    only_late = client.get(
        "/pengaduan/", {"overdue": "on", "status": "terbuka", "mine": "unit"}
    ).content.decode()
    assert late.tracking_no in only_late
    assert fresh.tracking_no not in only_late


def test_bulk_assign_from_the_queue(client, units):
    staff = make_staff("q_batang2", "operator_dinsos_kab", units["batang"])
    a, b = _g(), _g()
    client.force_login(staff)
    response = client.post(
        "/pengaduan/massal/", {"ids": [a.pk, b.pk], "action": "assign", "assignee": staff.pk}
    )
    assert response.status_code == 302
    assert set(Grievance.objects.values_list("assignee_id", "status")) == {(staff.pk, "diproses")}


def test_the_named_worker_gets_404_and_does_not_see_it_in_the_queue(client, units):
    worker = make_staff("q_pendamping", "pendamping", units["jateng"])
    desk = make_staff("q_desk", "operator_dinsos_kab", units["batang"])
    g = _g(category="pungli", named_worker=worker, channel="slrt", actor=desk)
    client.force_login(worker)
    assert g.tracking_no not in client.get("/pengaduan/", {"mine": "semua", "status": ""}).content.decode()
    assert client.get(f"/pengaduan/{g.tracking_no}/").status_code == 404


def test_outside_the_region_is_404_and_auditors_only_read(client, units):
    g = _g()
    metro = make_staff("q_metro", "operator_dinsos_kab", units["metro"])
    auditor = make_staff("q_auditor", "auditor", units["pusat"])
    client.force_login(metro)
    assert client.get(f"/pengaduan/{g.tracking_no}/").status_code == 404
    client.force_login(auditor)
    page = client.get(f"/pengaduan/{g.tracking_no}/").content.decode()
    assert TEXT in page
    assert "Simpan penyelesaian" not in page
    response = client.post(
        f"/pengaduan/{g.tracking_no}/",
        {"action": "resolve", "status": "selesai", "resolution": "Ditutup auditor."},
    )
    g.refresh_from_db()
    assert g.status == "baru"
    assert response.status_code == 200
    assert client.post("/pengaduan/massal/", {"ids": [g.pk], "action": "process"}).status_code == 403


def test_anonymous_users_are_sent_to_login(client, units):
    assert client.get("/pengaduan/").status_code == 302
    assert client.get("/dasbor/").status_code == 302


def test_staff_record_a_desk_complaint_naming_a_worker(client, units):
    desk = make_staff("q_slrt", "operator_dinsos_kab", units["batang"])
    worker = make_staff("q_worker", "pendamping", units["batang"])
    client.force_login(desk)
    response = client.post(
        "/pengaduan/baru/",
        {
            "channel": "slrt",
            "category": "pungli",
            "kode_wilayah": "33.25.01.2001",
            "named_worker": "q_worker",
            "text": "KPM melapor kartunya ditahan pendamping dan dipotong Rp100.000.",
        },
    )
    assert response.status_code == 302
    g = Grievance.objects.get()
    assert (g.named_worker, g.unit, g.channel) == (worker, units["jateng"], "slrt")  # away from Batang's unit


def test_an_usul_is_decided_and_the_outcome_is_public(client, units):
    from salur.programs.services import catalogue_load_defaults

    catalogue_load_defaults()
    staff = make_staff("q_verif", "operator_dinsos_kab", units["batang"])
    h = make_household(DESA_BATANG, ["Darmi"], desil=1)
    s = submission_create(
        kind="usul",
        kode_wilayah=DESA_BATANG,
        relation="sendiri",
        nama_kepala="Darmi",
        no_kk=h.no_kk,
        text="Saya janda tanpa penghasilan.",
    )
    client.force_login(staff)
    assert s.tracking_no in client.get("/pengaduan/usulan/").content.decode()
    response = client.post(
        f"/pengaduan/usulan/{s.tracking_no}/",
        {
            "status": "disetujui",
            "outcome": "Layak: diusulkan ke musyawarah desa untuk masuk DTSEN.",
            "program": "SEMBAKO",
            "no_kk": h.no_kk,
        },
    )
    assert response.status_code == 302
    s.refresh_from_db()
    assert (s.status, s.decided_by) == ("disetujui", staff)
    assert (s.enrolment.household, s.enrolment.program.code, s.enrolment.step) == (h, "SEMBAKO", "diusulkan")
    assert "SEMBAKO" in client.get(f"/pengaduan/usulan/{s.tracking_no}/").content.decode()
    client.logout()
    page = client.get("/cek-bansos/lacak/", {"no": s.tracking_no}).content.decode()
    assert "Disetujui" in page
    assert "musyawarah desa" in page


def test_a_sanggah_shows_staff_the_disputed_household(client, units):
    staff = make_staff("q_sanggah", "operator_dinsos_kab", units["batang"])
    h = make_household(DESA_BATANG, ["Haji Kaya"], desil=9)
    s = submission_create(
        kind="sanggah", kode_wilayah=DESA_BATANG, household=h, reason="mampu", text="Punya tiga mobil."
    )
    client.force_login(staff)
    page = client.get(f"/pengaduan/usulan/{s.tracking_no}/").content.decode()
    assert h.no_kk in page
    assert "Haji Kaya" in page
    assert Submission.objects.get().unit == units["batang"]
