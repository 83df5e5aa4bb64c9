"""ATENSI case workflow and who may see a case."""

from __future__ import annotations

import datetime as dt

import pytest

from salur.atensi.selectors import case_get, caseloads, cases_visible
from salur.atensi.services import (
    assessment_add,
    case_advance,
    case_open,
    monitoring_add,
    plan_add,
    service_add,
)
from salur.core.errors import PermissionDenied, SalurError
from salur.core.models import AuditEntry
from salur.distribution.tests.factories import sentra_user, unit_user

pytestmark = pytest.mark.django_db
D = dt.date(2024, 3, 1)


def open_case(actor, member):
    return case_open(
        actor=actor,
        nik=member.nik,
        cluster="lansia",
        referral_source="slrt",
        referral_note="Rujukan SLRT Kota Metro",
        opened_on=D,
    )


def test_a_case_walks_from_intake_to_terminasi_with_dates_and_worker(handayani, lansia):
    audits = AuditEntry.objects.count()
    case = open_case(handayani, lansia)
    assert (case.stage, case.worker, case.kode_wilayah) == ("intake", handayani, "1872011004")
    case_advance(actor=handayani, case=case, tanggal=dt.date(2024, 3, 2))
    with pytest.raises(SalurError, match="sedikitnya satu kebutuhan"):
        case_advance(actor=handayani, case=case, tanggal=dt.date(2024, 3, 3))
    assessment_add(
        actor=handayani,
        case=case,
        domain="ekonomi",
        need="Tinggal sendiri tanpa penghasilan",
        severity=3,
        tanggal=dt.date(2024, 3, 3),
    )
    case_advance(actor=handayani, case=case, tanggal=dt.date(2024, 3, 4))
    with pytest.raises(SalurError, match="tujuh bentuk"):
        plan_add(actor=handayani, case=case, support_form="uang_saku", goal="x")
    plan = plan_add(
        actor=handayani, case=case, support_form="hidup_layak", goal="Kebutuhan pangan terpenuhi 3 bulan"
    )
    case_advance(actor=handayani, case=case, tanggal=dt.date(2024, 3, 5))
    service_add(
        actor=handayani,
        case=case,
        plan_item=plan,
        kind="tunai",
        description="Permakanan 30 hari",
        tanggal=dt.date(2024, 3, 10),
        nominal=900_000,
    )
    case_advance(actor=handayani, case=case, tanggal=dt.date(2024, 4, 10))
    monitoring_add(
        actor=handayani, case=case, progress="Kebutuhan pangan terpenuhi", tanggal=dt.date(2024, 5, 1)
    )
    with pytest.raises(SalurError, match="Alasan terminasi"):
        case_advance(actor=handayani, case=case, tanggal=dt.date(2024, 6, 1))
    case_advance(actor=handayani, case=case, tanggal=dt.date(2024, 6, 1), note="Tujuan tercapai")
    case.refresh_from_db()
    assert (case.stage, case.closed_on, case.termination_reason) == (
        "terminasi",
        dt.date(2024, 6, 1),
        "Tujuan tercapai",
    )
    assert list(case.steps.values_list("stage", "tanggal")) == [
        ("intake", D),
        ("asesmen", dt.date(2024, 3, 2)),
        ("rencana", dt.date(2024, 3, 4)),
        ("pelaksanaan", dt.date(2024, 3, 5)),
        ("monitoring", dt.date(2024, 4, 10)),
        ("terminasi", dt.date(2024, 6, 1)),
    ]
    assert AuditEntry.objects.count() == audits + 10  # open, 5 advances, asesmen, plan, service, monitoring
    with pytest.raises(SalurError, match="sudah diterminasi"):
        monitoring_add(actor=handayani, case=case, progress="lagi", tanggal=dt.date(2024, 6, 2))


def test_a_step_cannot_be_dated_before_the_previous_one(handayani, lansia):
    case = open_case(handayani, lansia)
    with pytest.raises(SalurError, match="sebelum langkah sebelumnya"):
        case_advance(actor=handayani, case=case, tanggal=dt.date(2024, 2, 1))


def test_a_case_is_visible_only_to_its_sentra_within_its_area_and_to_national_roles(
    handayani, lansia, make_user
):
    case = open_case(handayani, lansia)
    # Another Sentra whose area includes Kota Metro still does not see Handayani's case.
    other = sentra_user(make_user, "petugas_lain", "sentra-lain", ["18.72", "18.71"], "18.71")
    kartini = sentra_user(make_user, "petugas_kartini", "sentra-kartini", ["33.23"], "33.23")
    dinsos = unit_user(
        make_user, "dinsos_metro", "operator_dinsos_kab", "dinsos-metro", "dinsos_kab", "18.72"
    )
    admin = make_user("pusat", "admin_pusat")
    auditor = make_user("bpk", "auditor")
    assert case_get(actor=handayani, pk=case.pk) == case
    for outsider in (other, kartini, dinsos):
        assert case_get(actor=outsider, pk=case.pk) is None
        assert not cases_visible(outsider).exists()
    assert case_get(actor=admin, pk=case.pk) == case
    assert case_get(actor=auditor, pk=case.pk) == case
    with pytest.raises(PermissionDenied):
        case_advance(actor=other, case=case, tanggal=dt.date(2024, 3, 2))
    with pytest.raises(PermissionDenied):
        case_advance(actor=admin, case=case, tanggal=dt.date(2024, 3, 2))
    case.refresh_from_db()
    assert case.stage == "intake"


def test_a_sentra_cannot_open_a_case_outside_its_service_area(make_user, lansia):
    kartini = sentra_user(make_user, "petugas_kartini", "sentra-kartini", ["33.23"], "33.23")
    with pytest.raises(PermissionDenied):
        open_case(kartini, lansia)


def test_caseloads_count_open_cases_per_worker_by_stage(handayani, make_user):
    from salur.distribution.tests.factories import person

    second = sentra_user(make_user, "petugas_handayani_2", "sentra-handayani", ["18.72"], "18.72")
    people = [person(20 + i, born=dt.date(1950, 1, 1)) for i in range(3)]
    a = open_case(handayani, people[0])
    open_case(handayani, people[1])
    case_open(
        actor=handayani,
        nik=people[2].nik,
        cluster="disabilitas",
        referral_source="dinsos",
        worker=second,
        opened_on=D,
    )
    case_advance(actor=handayani, case=a, tanggal=D)
    assert caseloads(handayani) == [
        {
            "worker__username": "petugas_handayani",
            "open": 2,
            "intake": 1,
            "asesmen": 1,
            "rencana": 0,
            "pelaksanaan": 0,
            "monitoring": 0,
        },
        {
            "worker__username": "petugas_handayani_2",
            "open": 1,
            "intake": 1,
            "asesmen": 0,
            "rencana": 0,
            "pelaksanaan": 0,
            "monitoring": 0,
        },
    ]
