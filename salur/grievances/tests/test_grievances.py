"""Grievances: routing by region and away from the named worker, SLA due dates, escalation, assignment."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from salur.core.audit import audit_verify
from salur.core.errors import PermissionDenied, SalurError
from salur.core.models import AuditEntry
from salur.grievances.models import Grievance, Status, Submission, Tier
from salur.grievances.selectors import GrievanceFilters, grievance_queue, grievances_visible_to, public_track
from salur.grievances.services import (
    grievance_assign,
    grievance_bulk_update,
    grievance_create,
    grievance_resolve,
    grievances_escalate,
    route_unit,
)
from salur.grievances.tests.factories import DESA_BATANG, DESA_METRO, DESA_TEMANGGUNG, make_staff

pytestmark = pytest.mark.django_db


def _complaint(**kw):
    args: dict[str, Any] = {
        "category": "kartu",
        "channel": "web",
        "kode_wilayah": DESA_BATANG,
        "text": "Kartu KKS saya terblokir setelah salah PIN tiga kali.",
    }
    args.update(kw)
    return grievance_create(**args)


def test_a_grievance_goes_to_the_dinsos_of_its_kabupaten_with_the_category_sla(units):
    before = timezone.now()
    g = _complaint(category="pungli")
    assert g.unit == units["batang"]
    assert g.tier == Tier.KAB
    assert g.status == Status.BARU
    assert g.tracking_no.startswith("ADU-")
    assert len(g.tracking_no) == 14
    assert dt.timedelta(days=3) <= g.due_at - before < dt.timedelta(days=3, seconds=30)


def test_without_a_kabupaten_unit_the_provinsi_then_pusat_takes_it(units):
    assert _complaint(kode_wilayah=DESA_TEMANGGUNG).unit == units["jateng"]  # 33.23 has no Dinsos unit here
    g = _complaint(kode_wilayah="1671011001", category="lainnya")  # Palembang: no unit in Sumatera Selatan
    assert (g.unit, g.tier) == (units["pusat"], Tier.PUSAT)


def test_a_complaint_naming_a_worker_skips_the_unit_the_worker_belongs_to(units):
    pendamping = make_staff("pendamping_batang", "pendamping", units["batang"])
    g = _complaint(category="pungli", named_worker=pendamping)
    assert (g.unit, g.tier) == (units["jateng"], Tier.PROV)
    # a public complaint "about a worker" without a name also starts one level up
    assert _complaint(category="pungli", about_worker=True).unit == units["jateng"]
    # the route of an unrelated complaint is unchanged
    assert route_unit(kode_wilayah=DESA_BATANG)[0] == units["batang"]


def test_the_named_worker_never_sees_nor_gets_the_complaint(units):
    pendamping = make_staff("pendamping_jateng", "pendamping", units["jateng"])
    colleague = make_staff("operator_jateng", "operator_dinsos_prov", units["jateng"])
    g = _complaint(category="pungli", named_worker=pendamping, kode_wilayah=DESA_TEMANGGUNG)
    # the worker's unit is the only one above: the item climbs to pusat
    assert g.unit == units["pusat"]
    assert not grievances_visible_to(pendamping).filter(pk=g.pk).exists()
    assert grievances_visible_to(colleague).filter(pk=g.pk).exists()
    admin = make_staff("admin_g", "admin_pusat", units["pusat"])
    with pytest.raises(PermissionDenied):
        grievance_assign(actor=admin, grievance=g, assignee=pendamping)
    with pytest.raises(PermissionDenied):
        grievance_resolve(
            actor=pendamping, grievance=g, status="selesai", resolution="Sudah saya tangani sendiri."
        )
    assert (
        grievance_bulk_update(
            actor=admin, queryset=grievances_visible_to(admin), ids=[g.pk], assignee=pendamping
        )
        == 0
    )
    g.refresh_from_db()
    assert g.assignee_id is None
    # and the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        Grievance.objects.filter(pk=g.pk).update(assignee=pendamping)


def test_staff_cannot_record_a_complaint_about_themselves(units):
    desk = make_staff("slrt_batang", "operator_dinsos_kab", units["batang"])
    with pytest.raises(PermissionDenied):
        _complaint(actor=desk, channel="slrt", named_worker=desk)


def test_escalation_moves_every_overdue_item_one_level_in_one_update(units):
    a = _complaint(category="kartu")  # kab Batang -> prov Jateng
    b = _complaint(category="tidak_diterima", kode_wilayah=DESA_METRO)  # kab Metro -> pusat (no Lampung unit)
    c = _complaint(category="kartu", kode_wilayah=DESA_TEMANGGUNG)  # prov -> pusat
    fresh = _complaint(category="salah_sasaran")  # not yet due
    closed = _complaint(category="kartu")
    closed.status = Status.SELESAI
    closed.save()
    later = timezone.now() + dt.timedelta(days=8)
    entries = AuditEntry.objects.count()
    result = grievances_escalate(now=later)
    assert result["escalated"] == 3
    assert sorted(result["tracking_no"]) == sorted([a.tracking_no, b.tracking_no, c.tracking_no])
    for g in (a, b, c, fresh, closed):
        g.refresh_from_db()
    assert (a.unit, a.tier, a.escalations) == (units["jateng"], Tier.PROV, 1)
    assert (b.unit, b.tier) == (units["pusat"], Tier.PUSAT)
    assert (c.unit, c.tier) == (units["pusat"], Tier.PUSAT)
    assert a.due_at == later + dt.timedelta(days=5)  # a fresh SLA at the new level
    assert (fresh.tier, fresh.escalations, closed.escalations) == (Tier.KAB, 0, 0)
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.action == "grievance.escalate"
    assert json.loads(entry.payload)["detail"]["count"] == 3
    assert audit_verify().ok
    # again, later still: a climbs to pusat; items at pusat stay
    result = grievances_escalate(now=later + dt.timedelta(days=5, hours=12))
    a.refresh_from_db()
    assert result["escalated"] == 1
    assert a.tier == Tier.PUSAT
    assert public_track(tracking_no=a.tracking_no)["escalated"] is True


def test_escalation_skips_the_named_workers_provinsi_unit(units):
    worker = make_staff("pendamping_prov", "pendamping", units["jateng"])
    g = _complaint(category="pungli", named_worker=worker)
    assert g.unit == units["batang"]
    grievances_escalate(now=timezone.now() + dt.timedelta(days=4))
    g.refresh_from_db()
    assert (g.unit, g.tier) == (units["pusat"], Tier.PUSAT)


def test_the_escalate_command_runs_from_cron_and_prints_json(units, capsys):
    from django.core.management import call_command

    g = _complaint()
    Grievance.objects.filter(pk=g.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    call_command("grievances_escalate", "--json")
    out = capsys.readouterr().out
    assert '"escalated": 1' in out
    g.refresh_from_db()
    assert g.tier == Tier.PROV


def test_staff_resolve_and_the_citizen_reads_the_outcome_by_tracking_number(units):
    staff = make_staff("op_batang", "operator_dinsos_kab", units["batang"])
    g = _complaint()
    grievance_assign(actor=staff, grievance=g, assignee=staff)
    assert g.status == Status.DIPROSES
    with pytest.raises(SalurError):
        grievance_resolve(actor=staff, grievance=g, status="selesai", resolution="ok")  # too short
    grievance_resolve(
        actor=staff, grievance=g, status="selesai", resolution="Kartu diganti di kantor BRI unit."
    )
    seen = public_track(tracking_no=g.tracking_no.lower())
    assert seen is not None
    assert seen["status"] == "selesai"
    assert seen["outcome"] == "Kartu diganti di kantor BRI unit."
    assert "reporter_name" not in seen
    assert "text" not in seen


def test_a_unit_sees_only_its_region_and_queue(units):
    metro_staff = make_staff("op_metro", "operator_dinsos_kab", units["metro"])
    prov_staff = make_staff("op_jateng", "operator_dinsos_prov", units["jateng"])
    g = _complaint()
    assert not grievances_visible_to(metro_staff).filter(pk=g.pk).exists()
    assert grievances_visible_to(prov_staff).filter(pk=g.pk).exists()  # in its region (oversight)
    assert not grievance_queue(actor=prov_staff, filters=GrievanceFilters()).filter(pk=g.pk).exists()
    assert grievance_queue(actor=prov_staff, filters=GrievanceFilters(mine="")).filter(pk=g.pk).exists()
    with pytest.raises(PermissionDenied):
        grievance_resolve(actor=metro_staff, grievance=g, status="selesai", resolution="Bukan wilayah saya.")


def test_bulk_assignment_is_one_update_and_one_audit_entry(units):
    staff = make_staff("op_batang2", "operator_dinsos_kab", units["batang"])
    items = [_complaint() for _ in range(3)]
    n_entries = AuditEntry.objects.count()
    n = grievance_bulk_update(
        actor=staff, queryset=grievances_visible_to(staff), ids=[g.pk for g in items], assignee=staff
    )
    assert n == 3
    assert set(Grievance.objects.values_list("assignee_id", "status")) == {(staff.pk, "diproses")}
    assert AuditEntry.objects.count() == n_entries + 1


def test_bad_input_is_refused_with_a_clear_message(units):
    with pytest.raises(SalurError, match="Kategori"):
        _complaint(category="nope")
    with pytest.raises(SalurError, match="wilayah"):
        _complaint(kode_wilayah="9999999999")
    with pytest.raises(SalurError, match="pendek"):
        _complaint(text="rusak")
    assert Grievance.objects.count() == 0


def test_the_demo_step_is_idempotent(units):
    from salur.grievances import demo
    from salur.grievances.tests.factories import make_household

    make_household(DESA_BATANG, ["Demo Satu"])
    make_household(DESA_BATANG, ["Demo Dua"], desil=9)
    make_household(DESA_METRO, ["Demo Tiga"])
    metro = make_staff("dinsos_metro_demo", "operator_dinsos_kab", units["metro"])
    lines: list[str] = []
    demo.run({"dinsos_metro": metro}, lines.append)
    counts = (Grievance.objects.count(), Submission.objects.count())
    assert counts == (3, 2)  # no Indramayu household here
    card = Grievance.objects.get(source_ref="demo:kartu-batang")
    assert (card.tier, card.unit, card.escalations) == (Tier.PROV, units["jateng"], 1)
    assert Grievance.objects.get(source_ref="demo:saldo-metro").status == "selesai"
    demo.run({"dinsos_metro": metro}, lines.append)
    assert (Grievance.objects.count(), Submission.objects.count()) == counts
