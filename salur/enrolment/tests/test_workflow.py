"""usulan -> verifikasi -> penetapan, suspension, reinstatement and exit, on SQLite and PostgreSQL.

Every refusal is checked to leave the enrolment tables, the audit trail and the approvals exactly as they were."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from salur.core.approval import MakerCheckerViolation
from salur.core.audit import audit_verify
from salur.core.errors import PermissionDenied, SalurError
from salur.core.models import AuditEntry
from salur.enrolment import selectors, services
from salur.enrolment.models import (
    ChangeState,
    Decision,
    DecisionItem,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    EnrolmentStep,
    ExitReason,
    Proposal,
    ProposalSource,
    StatusChange,
)
from salur.enrolment.tests.conftest import SK_DATE, VISIT, snapshot

pytestmark = pytest.mark.django_db


def proposed(w, household=None, actor=None, program=None):
    return services.enrolment_propose(
        actor=actor or w.desa_op,
        household=household or w.households[0],
        program=program or w.pkh,
        reason="Ibu hamil, penghasilan tidak tetap",
    )


def verified(w, enrolment, actor=None, result="layak"):
    services.enrolment_verify(
        actor=actor or w.kab, enrolment=enrolment, result=result, visit_date=VISIT, officer="TKSK Sri"
    )
    enrolment.refresh_from_db()
    return enrolment


def decided(w, sk="SK-1/2024", actor=None, **kw):
    return services.enrolment_decide(
        actor=actor or w.verif, program=w.pkh, sk_number=sk, sk_date=SK_DATE, **kw
    )


def refused(exc_type, fn, *args, **kwargs):
    """Call fn expecting a refusal of exc_type; assert nothing changed; return the message."""
    before = snapshot()
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    assert snapshot() == before, "a refusal changed the database"
    return str(info.value)


def actions() -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith="enrolment.")
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- the whole way -------------------------------------------------------------------------------------------


def test_a_desa_proposal_verified_by_dinsos_and_fixed_by_sk_makes_the_household_aktif(world):
    w = world
    e = proposed(w)
    assert (e.status, e.step, e.proposal.source, e.proposal.proposed_by) == (
        "calon",
        "diusulkan",
        ProposalSource.DESA,
        w.desa_op,
    )
    e = verified(w, e)
    assert (e.status, e.step, e.verification.verified_by) == ("calon", "terverifikasi", w.kab)
    assert list(selectors.enrolled_household_ids("PKH")) == []

    decision = decided(w)
    e.refresh_from_db()
    assert (e.status, e.step, e.exit_reason, e.active_since, e.status_since) == (
        "aktif",
        "ditetapkan",
        "",
        SK_DATE,
        SK_DATE,
    )
    assert e.decision == decision
    assert (decision.count, decision.decided_by, decision.sk_number) == (1, w.verif, "SK-1/2024")
    assert list(DecisionItem.objects.filter(decision=decision).values_list("enrolment_id", flat=True)) == [
        e.pk
    ]
    assert list(selectors.enrolled_household_ids("PKH")) == [w.households[0].pk]
    assert list(selectors.enrolled_household_ids("SEMBAKO")) == []
    assert list(selectors.enrolled_household_ids("PKH", statuses=("calon",))) == []

    events = list(
        EnrolmentEvent.objects.filter(enrolment=e)
        .order_by("id")
        .values_list("kind", "status_before", "status_after", "actor__username")
    )
    assert events == [
        ("diusulkan", "", "calon", "e_desa"),
        ("diverifikasi", "calon", "calon", "e_kab"),
        ("ditetapkan", "calon", "aktif", "e_verif"),
    ]
    assert actions() == ["enrolment.propose", "enrolment.verify", "enrolment.decide"]
    entry = AuditEntry.objects.get(action="enrolment.decide")
    payload = json.loads(entry.payload)
    assert payload["before"]["status"] == "calon"
    assert payload["after"]["status"] == "aktif"
    assert payload["after"]["count"] == 1
    assert payload["after"]["sk_number"] == "SK-1/2024"
    assert payload["detail"]["digest"] == services.decision_items_digest(decision.pk)
    assert audit_verify().ok


def test_tampering_with_a_decisions_list_breaks_the_audit_chain(world):
    w = world
    verified(w, proposed(w))
    decision = decided(w)
    assert audit_verify().ok
    other = verified(w, proposed(w, household=w.households[1]))
    DecisionItem.objects.create(decision=decision, enrolment=other)
    result = audit_verify()
    assert not result.ok
    assert "rincian" in result.reason


def test_a_tidak_layak_verification_leaves_a_calon_that_no_decision_takes_and_that_may_be_proposed_again(
    world,
):
    w = world
    e = verified(w, proposed(w), result="tidak_layak")
    assert (e.status, e.step) == ("calon", "tidak_layak")
    assert "Tidak ada calon" in refused(SalurError, decided, w)
    again = proposed(w, actor=w.kab2)
    assert (again.pk, again.step, again.proposal.proposed_by) == (e.pk, "diusulkan", w.kab2)
    assert again.verification is None
    assert e.proposals.count() == 2


# --- usulan --------------------------------------------------------------------------------------------------


def test_a_desa_operator_proposes_only_households_of_its_own_desa(world):
    w = world
    msg = refused(PermissionDenied, proposed, w, household=w.other_desa_household)
    assert msg == "Wilayah ini di luar wilayah kerja Anda"
    refused(PermissionDenied, proposed, w, household=w.far_household, actor=w.kab)
    # Dinsos of the kabupaten may propose any household of it
    assert proposed(w, household=w.other_desa_household, actor=w.kab).proposal.source == ProposalSource.DINSOS


def test_roles_without_the_propose_capability_are_refused(world):
    w = world
    for user in (w.pendamping, w.auditor, w.verif):
        assert "mengusulkan" in refused(PermissionDenied, proposed, w, actor=user)


def test_a_household_in_process_or_already_enrolled_is_not_proposed_twice(world):
    w = world
    e = proposed(w)
    assert "sedang diproses" in refused(SalurError, proposed, w, actor=w.kab)
    verified(w, e)
    assert "sedang diproses" in refused(SalurError, proposed, w, actor=w.kab)
    decided(w)
    assert "sudah menjadi peserta" in refused(SalurError, proposed, w, actor=w.kab)
    # another program is another enrolment
    assert proposed(w, program=w.sembako).program == w.sembako


def test_a_proposal_needs_a_reason(world):
    w = world
    with pytest.raises(SalurError, match="Alasan usulan wajib diisi"):
        services.enrolment_propose(actor=w.desa_op, household=w.households[0], program=w.pkh, reason="  ")
    assert not Enrolment.objects.exists()


# --- verifikasi ---------------------------------------------------------------------------------------------


def test_the_proposer_may_not_verify_its_own_proposal(world):
    w = world
    e = proposed(w, actor=w.kab)
    msg = refused(MakerCheckerViolation, verified, w, e, actor=w.kab)
    assert "tidak boleh menyetujui" in msg
    assert verified(w, e, actor=w.kab2).step == "terverifikasi"


def test_verification_is_for_dinsos_of_the_households_region(world):
    w = world
    e = proposed(w)
    assert "di luar wilayah" in refused(PermissionDenied, verified, w, e, actor=w.lain)
    for user in (w.desa_op, w.admin, w.verif, w.pendamping):
        assert "verifikasi" in refused(PermissionDenied, verified, w, e, actor=user)
    assert verified(w, e, actor=w.prov).verification.verified_by == w.prov


def test_a_verification_is_recorded_once_and_not_dated_in_the_future(world):
    w = world
    e = proposed(w)
    future = dt.date.today() + dt.timedelta(days=2)
    refused(
        SalurError,
        services.enrolment_verify,
        actor=w.kab,
        enrolment=e,
        result="layak",
        visit_date=future,
        officer="X",
    )
    refused(
        SalurError,
        services.enrolment_verify,
        actor=w.kab,
        enrolment=e,
        result="mungkin",
        visit_date=VISIT,
        officer="X",
    )
    verified(w, e)
    assert "menunggu verifikasi" in refused(SalurError, verified, w, e, actor=w.kab2)


# --- penetapan -----------------------------------------------------------------------------------------------


def test_a_central_user_who_proposed_or_verified_any_household_of_the_list_may_not_decide_it(world):
    w = world
    verified(w, proposed(w, household=w.households[0]))
    verified(w, proposed(w, household=w.households[1], actor=w.admin))
    msg = refused(MakerCheckerViolation, decided, w, actor=w.admin)
    assert "1 keluarga" in msg
    # filtered to the households it did not propose, it may
    decision = decided(w, actor=w.admin, enrolment_ids=[Enrolment.objects.get(household=w.households[0]).pk])
    assert decision.count == 1
    assert decided(w, sk="SK-2/2024").count == 1


def test_decide_is_for_central_roles(world):
    w = world
    verified(w, proposed(w))
    for user in (w.desa_op, w.kab, w.prov, w.pendamping, w.auditor, w.lain):
        assert "menetapkan" in refused(PermissionDenied, decided, w, actor=user)


def test_a_decision_refuses_a_used_sk_number_a_changed_list_and_a_future_date(world):
    w = world
    verified(w, proposed(w, household=w.households[0]))
    verified(w, proposed(w, household=w.households[1]))
    assert "bukan 1" in refused(SalurError, decided, w, expected_count=1)
    refused(
        SalurError,
        services.enrolment_decide,
        actor=w.verif,
        program=w.pkh,
        sk_number="SK-F",
        sk_date=dt.date.today() + dt.timedelta(days=1),
    )
    decided(w, expected_count=2)
    verified(w, proposed(w, household=w.households[2], actor=w.kab), actor=w.kab2)
    assert "sudah dipakai" in refused(SalurError, decided, w)
    refused(SalurError, decided, w, sk="  ")


def test_a_decision_limited_to_a_region_fixes_only_that_region(world):
    w = world
    a = verified(w, proposed(w, household=w.households[0]))
    b = verified(w, proposed(w, household=w.far_household, actor=w.admin), actor=make_far_dinsos(w))
    decision = decided(w, wilayah=w.desa[:6])
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status, decision.count, decision.wilayah) == ("aktif", "calon", 1, w.desa[:6])


def make_far_dinsos(w):
    from salur.accounts.services import user_create

    return user_create(
        username="e_far", role="operator_dinsos_kab", wilayah=w.far_household.wilayah_id[:4], password=None
    )


def test_a_decision_is_set_based_its_query_count_does_not_grow_with_the_list(world):
    w = world

    def decide_n(n: int, sk: str) -> int:
        Enrolment.objects.filter(status="calon").delete() if False else None
        with CaptureQueriesContext(connection) as ctx:
            decision = decided(w, sk=sk)
        assert decision.count == n
        return len(ctx.captured_queries)

    for h in w.households[:2]:
        verified(w, proposed(w, household=h, actor=w.kab), actor=w.kab2)
    small = decide_n(2, "SK-S")
    for h in w.households[2:30]:
        verified(w, proposed(w, household=h, actor=w.kab), actor=w.kab2)
    large = decide_n(28, "SK-L")
    assert large == small
    assert EnrolmentEvent.objects.filter(kind="ditetapkan").count() == 30
    assert DecisionItem.objects.count() == 30


# --- perubahan status ----------------------------------------------------------------------------------------


@pytest.fixture
def aktif(world):
    e = verified(world, proposed(world))
    decided(world)
    e.refresh_from_db()
    return e


def test_a_suspension_is_requested_by_one_user_and_takes_effect_only_when_another_confirms(world, aktif):
    w = world
    change = services.enrolment_suspend(
        actor=w.verif, enrolment=aktif, note="Tidak hadir pertemuan P2K2 3 bulan"
    )
    aktif.refresh_from_db()
    assert (aktif.status, change.state) == ("aktif", "menunggu")
    assert "tidak boleh menyetujui" in refused(
        MakerCheckerViolation, services.status_change_confirm, actor=w.verif, change=change
    )
    # Dinsos cannot confirm
    refused(PermissionDenied, services.status_change_confirm, actor=w.kab, change=change)
    services.status_change_confirm(actor=w.admin, change=change)
    aktif.refresh_from_db()
    change.refresh_from_db()
    assert (aktif.status, aktif.exit_reason, change.state, change.resolved_by) == (
        "ditangguhkan",
        "",
        "dikonfirmasi",
        w.admin,
    )
    assert list(selectors.enrolled_household_ids("PKH")) == []
    assert list(selectors.enrolled_household_ids("PKH", ("aktif", "ditangguhkan"))) == [aktif.household_id]
    assert "sudah dikonfirmasi" in refused(
        SalurError, services.status_change_confirm, actor=w.admin, change=change
    )

    back = services.enrolment_reinstate(actor=w.prov, enrolment=aktif, note="Sudah hadir kembali")
    services.status_change_confirm(actor=w.admin, change=back)
    aktif.refresh_from_db()
    assert aktif.status == "aktif"
    assert actions()[-4:] == [
        "enrolment.status_change_request",
        "enrolment.status_change_confirm",
        "enrolment.status_change_request",
        "enrolment.status_change_confirm",
    ]
    assert audit_verify().ok


@pytest.mark.parametrize("reason", ExitReason.values)
def test_an_exit_records_its_reason_and_removes_the_household_from_the_program(world, aktif, reason):
    w = world
    change = services.enrolment_exit(actor=w.kab, enrolment=aktif, reason=reason, note="Graduasi")
    services.status_change_confirm(actor=w.verif, change=change, note="Sesuai berita acara")
    aktif.refresh_from_db()
    assert (aktif.status, aktif.exit_reason, aktif.step) == ("keluar", reason, "ditetapkan")
    assert list(selectors.enrolled_household_ids("PKH", EnrolmentStatus.values)) == [aktif.household_id]
    assert list(selectors.enrolled_household_ids("PKH")) == []
    event = EnrolmentEvent.objects.filter(enrolment=aktif).latest("id")
    assert (event.kind, event.status_before, event.status_after, event.exit_reason) == (
        "keluar",
        "aktif",
        "keluar",
        reason,
    )
    # after an exit, the household may be proposed again: a new round as calon
    again = proposed(w, actor=w.kab)
    assert (again.status, again.exit_reason, again.active_since, again.decision) == ("calon", "", None, None)


def test_status_change_requests_are_refused_when_they_do_not_fit(world, aktif):
    w = world
    assert "Alasan keluar wajib" in refused(
        SalurError, services.enrolment_exit, actor=w.kab, enrolment=aktif, reason="", note="x"
    )
    assert "Alasan keluar wajib" in refused(
        SalurError, services.enrolment_exit, actor=w.kab, enrolment=aktif, reason="bosan", note="x"
    )
    assert "tidak berlaku" in refused(
        SalurError, services.enrolment_reinstate, actor=w.kab, enrolment=aktif, note="x"
    )
    refused(PermissionDenied, services.enrolment_suspend, actor=w.desa_op, enrolment=aktif, note="x")
    refused(PermissionDenied, services.enrolment_suspend, actor=w.lain, enrolment=aktif, note="x")
    refused(SalurError, services.enrolment_suspend, actor=w.kab, enrolment=aktif, note=" ")
    services.enrolment_suspend(actor=w.kab, enrolment=aktif, note="x")
    assert "menunggu konfirmasi" in refused(
        SalurError, services.enrolment_exit, actor=w.kab2, enrolment=aktif, reason="paksa", note="y"
    )
    calon = proposed(w, household=w.households[1])
    refused(SalurError, services.enrolment_suspend, actor=w.kab, enrolment=calon, note="x")


def test_a_rejected_request_changes_no_status(world, aktif):
    w = world
    change = services.enrolment_exit(
        actor=w.admin, enrolment=aktif, reason="mandiri", note="Usaha warung berjalan"
    )
    refused(MakerCheckerViolation, services.status_change_reject, actor=w.admin, change=change, note="x")
    refused(PermissionDenied, services.status_change_reject, actor=w.kab, change=change, note="x")
    refused(SalurError, services.status_change_reject, actor=w.verif, change=change, note="")
    services.status_change_reject(actor=w.verif, change=change, note="Belum ada surat pernyataan")
    aktif.refresh_from_db()
    change.refresh_from_db()
    assert (aktif.status, change.state) == ("aktif", ChangeState.DITOLAK)
    # a new request is possible once the old one is resolved
    assert services.enrolment_suspend(actor=w.kab, enrolment=aktif, note="x").state == "menunggu"


# --- the database keeps the invariants ----------------------------------------------------------------------


def test_the_database_refuses_an_exit_reason_without_keluar_and_a_status_before_penetapan(world):
    w = world
    e = proposed(w)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.filter(pk=e.pk).update(exit_reason="paksa")
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.filter(pk=e.pk).update(status="aktif")
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(household=e.household, program=e.program, status_since=SK_DATE)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusChange.objects.create(enrolment=e, kind="keluar", note="x", requested_by=w.kab)


# --- reads are scoped ----------------------------------------------------------------------------------------


def test_reads_are_limited_to_the_actors_region(world):
    w = world
    e = verified(w, proposed(w))
    decision = decided(w)
    filters = selectors.EnrolmentFilters()
    assert [x.pk for x in selectors.enrolment_list(actor=w.kab, filters=filters)] == [e.pk]
    assert [x.pk for x in selectors.enrolment_list(actor=w.auditor, filters=filters)] == [e.pk]
    assert list(selectors.enrolment_list(actor=w.lain, filters=filters)) == []
    assert selectors.enrolment_get(actor=w.lain, enrolment_id=e.pk) is None
    assert selectors.household_for_enrolment(actor=w.lain, no_kk=e.household.no_kk) is None
    assert selectors.decision_get(actor=w.lain, decision_id=decision.pk) is None
    assert selectors.decision_get(actor=w.kab, decision_id=decision.pk) == decision
    assert (
        list(selectors.enrolment_list(actor=w.kab, filters=selectors.EnrolmentFilters(status="calon"))) == []
    )


def test_the_queue_shows_each_role_its_own_work(world):
    w = world
    proposed(w, household=w.households[0], actor=w.kab)
    proposed(w, household=w.households[1])
    q = selectors.queue_counts(actor=w.kab)
    assert [(r.program, r.count) for r in q["verify"]] == [
        ("PKH", 1)
    ]  # its own proposal is not its to verify
    assert selectors.queue_counts(actor=w.lain)["verify"] == []
    assert selectors.queue_counts(actor=w.desa_op) == {"verify": [], "decide": [], "confirm": []}
    verified(w, Enrolment.objects.get(household=w.households[1]))
    assert [(r.program, r.count) for r in selectors.queue_counts(actor=w.verif)["decide"]] == [("PKH", 1)]
    assert Decision.objects.count() == 0
    assert EnrolmentStep.TERVERIFIKASI == "terverifikasi"


# --- the demo step ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fullest", [True, False], ids=["desa-with-six", "desa-with-fewer"])
def test_the_demo_step_runs_every_step_once_and_is_idempotent(run_import, make_user, tmp_path, fullest):
    from django.db.models import Count

    from salur.enrolment import demo
    from salur.registry.batch.synth import synth_registry
    from salur.registry.models import Household

    # Kota Metro has 22 kelurahan: 300 synthetic households put six or more in each, 30 fewer in the sparsest
    synth_registry(households=300 if fullest else 30, seed=7, out_dir=tmp_path, wilayah=["18.72"])
    run_import(tmp_path / "keluarga.csv", tmp_path / "anggota.csv")
    per_desa = Household.objects.values("wilayah_id").annotate(n=Count("id"))
    row = per_desa.order_by("-n" if fullest else "n", "wilayah_id").first()
    desa = row["wilayah_id"]
    assert (row["n"] >= 6) == fullest
    users = {
        "desa_batang": make_user("desa_batang", "operator_desa", desa),
        "dinsos_batang": make_user("dinsos_batang", "operator_dinsos_kab", desa[:4]),
        "verifikator_pusat": make_user("verifikator_pusat", "verifikator"),
        "demo_admin": make_user("demo_admin", "admin_pusat"),
    }
    lines: list[str] = []
    demo.run(users, lines.append)
    counts = dict(Enrolment.objects.values_list("status").annotate(n=Count("id")).order_by())
    steps = dict(Enrolment.objects.values_list("step").annotate(n=Count("id")).order_by())
    assert counts == {"aktif": 3, "keluar": 1, "calon": 2}
    assert steps == {"ditetapkan": 4, "tidak_layak": 1, "diusulkan": 1}
    assert Enrolment.objects.get(status="keluar").exit_reason == "mandiri"
    assert StatusChange.objects.filter(state="menunggu", kind="tangguhkan").count() == 1
    assert Decision.objects.get().count == 4
    proposers = set(Proposal.objects.values_list("proposed_by__username", flat=True))
    assert proposers == ({"desa_batang"} if fullest else {"desa_batang", "demo_admin"})
    before = snapshot()
    demo.run(users, lines.append)
    assert snapshot() == before
    assert "dipakai ulang" in lines[-1]
    assert audit_verify().ok
