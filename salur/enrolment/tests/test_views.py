"""The pages turn refusals into what a clerk can act on: a maker-checker refusal is 403 with its reason, a step that
does not fit is a form error, an incomplete form says which field; none of them changes anything."""

from __future__ import annotations

import pytest
from django.test import Client

from salur.enrolment import services
from salur.enrolment.models import Enrolment
from salur.enrolment.tests.conftest import VISIT, snapshot

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_proposer_gets_403_with_the_reason_when_it_tries_to_verify(world):
    w = world
    e = services.enrolment_propose(actor=w.kab, household=w.households[0], program=w.pkh, reason="Uji")
    before = snapshot()
    response = client_for(w.kab).post(
        f"/kepesertaan/{e.pk}/verifikasi/",
        {"result": "layak", "visit_date": VISIT.isoformat(), "officer": "Sri", "notes": ""},
    )
    assert response.status_code == 403
    assert "tidak boleh menyetujui" in response.content.decode()
    assert snapshot() == before


def test_a_second_proposal_and_an_unknown_kk_are_form_errors(world):
    w = world
    services.enrolment_propose(actor=w.kab, household=w.households[0], program=w.pkh, reason="Uji")
    before = snapshot()
    client = client_for(w.desa_op)
    data = {"no_kk": w.households[0].no_kk, "program": "PKH", "reason": "Lagi", "notes": ""}
    body = client.post("/kepesertaan/usul/", data).content.decode()
    assert "sudah diusulkan untuk PKH dan sedang diproses" in body
    body = client.post("/kepesertaan/usul/", {**data, "no_kk": "123"}).content.decode()
    assert "Nomor KK harus tepat 16 angka" in body
    body = client.post("/kepesertaan/usul/", {**data, "reason": ""}).content.decode()
    assert "Bidang ini tidak boleh kosong" in body
    assert snapshot() == before


def test_the_decision_page_warns_a_decider_of_its_own_households_and_the_post_is_refused(world):
    w = world
    e = services.enrolment_propose(actor=w.admin, household=w.households[0], program=w.pkh, reason="Uji")
    services.enrolment_verify(actor=w.kab, enrolment=e, result="layak", visit_date=VISIT, officer="Sri")
    client = client_for(w.admin)
    page = client.get("/kepesertaan/penetapan/?program=PKH").content.decode()
    assert "Anda mengusulkan atau memverifikasi 1 keluarga" in page
    before = snapshot()
    response = client.post(
        "/kepesertaan/penetapan/",
        {
            "program": "PKH",
            "wilayah": "",
            "sk_number": "SK-W",
            "sk_date": VISIT.isoformat(),
            "expected_count": "1",
        },
    )
    assert response.status_code == 403
    assert snapshot() == before
    response = client_for(w.verif).post(
        "/kepesertaan/penetapan/",
        {
            "program": "PKH",
            "wilayah": "",
            "sk_number": "SK-W",
            "sk_date": VISIT.isoformat(),
            "expected_count": "2",
        },
    )
    assert "bukan 2" in response.content.decode()
    assert snapshot() == before


def test_an_exit_request_without_a_reason_is_a_form_error_and_with_one_waits_for_confirmation(world):
    w = world
    e = services.enrolment_propose(actor=w.desa_op, household=w.households[0], program=w.pkh, reason="Uji")
    services.enrolment_verify(actor=w.kab, enrolment=e, result="layak", visit_date=VISIT, officer="Sri")
    services.enrolment_decide(actor=w.verif, program=w.pkh, sk_number="SK-V", sk_date=VISIT)
    client = client_for(w.kab)
    before = snapshot()
    body = client.post(
        f"/kepesertaan/{e.pk}/ubah-status/", {"kind": "keluar", "exit_reason": "", "note": "x"}
    )
    assert "Pilih alasan keluar" in body.content.decode()
    assert snapshot() == before
    response = client.post(
        f"/kepesertaan/{e.pk}/ubah-status/", {"kind": "keluar", "exit_reason": "paksa", "note": "x"}
    )
    assert response.status_code == 302
    change = e.status_changes.get()
    page = client_for(w.admin).get(f"/kepesertaan/{e.pk}/").content.decode()
    assert "Menunggu konfirmasi" in page
    assert 'value="konfirmasi"' in page
    response = client_for(w.admin).post(
        f"/kepesertaan/perubahan/{change.pk}/", {"action": "tolak", "note": ""}
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.state == "menunggu"  # a refusal needs its reason
    client_for(w.admin).post(f"/kepesertaan/perubahan/{change.pk}/", {"action": "konfirmasi", "note": ""})
    assert Enrolment.objects.get(pk=e.pk).exit_reason == "paksa"
    household_page = client_for(w.desa_op).get(f"/kepesertaan/kk/{e.household.no_kk}/").content.decode()
    assert "Keluar" in household_page
    assert "paksa" in household_page
