"""Explanations of one household's decision (service `explain_household`) on the golden registry; SQLite and
PostgreSQL. Every value is checked against what a cycle decides for the same household."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from salur.core.errors import NotFound, PermissionDenied, SalurError
from salur.cycles.models import Entitlement
from salur.programs.models import Program
from salur.programs.services import explain_household, program_version_create

pytestmark = pytest.mark.django_db

ASN_HOUSEHOLD = "9111022509151781"  # a member on the ASN list (9111022312611215)
DEAD_LANSIA = "9111091506139459"  # the lansia is on the death list: a disabled head and a baby are paid
DESIL_6 = "1572061308167751"
TNI_DECLARED = "3212282303097604"  # a member declares pekerjaan tni
INDRAMAYU = "3212092406108030"  # desil 1, desa 3212092011


def pkh() -> Program:
    return Program.objects.get(code="PKH")


def test_a_household_above_the_desil_limit_shows_the_value(golden_cycle_inputs, admin_user):
    got = explain_household(actor=admin_user, no_kk=DESIL_6, program=pkh(), period="2024-T2")
    assert got["eligible"] is False
    assert "DESIL_DI_ATAS_BATAS" in [r["code"] for r in got["reasons"]]
    desil = got["conditions"][0]
    assert (desil["condition"], desil["holds"], desil["values"]) == ("desil <= 4", False, "desil = 6")
    assert desil["reason"] == "DESIL_DI_ATAS_BATAS"
    assert desil["reason_text"] == "Desil keluarga di atas batas program"


def test_a_member_on_the_asn_list_is_named_with_the_list_version_date_and_digest(
    golden_cycle_inputs, admin_user
):
    from salur.dataquality.models import ReferenceList

    asn = ReferenceList.objects.get(kind="asn", active=True)
    got = explain_household(actor=admin_user, no_kk=ASN_HOUSEHOLD, program=pkh(), period="2024-T2")
    assert got["eligible"] is False
    assert "ANGGOTA_ASN" in [r["code"] for r in got["reasons"]]
    [match] = got["list_matches"]
    assert match["nik"] == "9111022312611215"
    assert (match["kind"], match["version"], match["sha256"]) == ("asn", asn.version, asn.sha256)
    assert asn.sha256 in match["text"]
    assert "daftar ASN" in match["text"]
    failed = [c for c in got["conditions"] if not c["holds"]]
    assert [c["reason"] for c in failed if c["reason"] == "ANGGOTA_ASN"] == ["ANGGOTA_ASN"]
    assert "1 dari" in next(c["values"] for c in failed if c["reason"] == "ANGGOTA_ASN")


def test_a_declared_tni_member_excludes(golden_cycle_inputs, admin_user):
    got = explain_household(actor=admin_user, no_kk=TNI_DECLARED, program=pkh(), period="2024-T2")
    assert "ANGGOTA_TNI_POLRI" in [r["code"] for r in got["reasons"]]
    assert got["list_matches"] == []


def test_pkh_components_taken_and_not_taken_with_why_and_the_stored_cycle_agrees(
    golden_cycle_inputs, admin_user
):
    call_command("cycle_create", program="PKH", period="2024-T2")
    got = explain_household(actor=admin_user, no_kk=DEAD_LANSIA, program=pkh(), period="2024-T2")
    assert got["eligible"] is True
    assert got["nominal"] == 600_000 + 750_000
    taken = sorted((c["component"], c["per_period"]) for c in got["components"] if c["taken"])
    assert taken == [("anak_usia_dini", 750_000), ("disabilitas_berat", 600_000)]
    assert sum(c["per_period"] for c in got["components"] if c["taken"]) == got["nominal"]
    assert all(c["why"] for c in got["components"])
    dead = [m for m in got["members"] if m["meninggal"]]
    assert len(dead) == 1
    assert "Kematian" in dead[0]["daftar"]
    assert got["recipient"]["nik"]
    assert got["recipient"]["why"]
    stored = got["stored"]
    ent = Entitlement.objects.get(cycle__code="PKH-2024-T2", household__no_kk=DEAD_LANSIA)
    assert stored["cycle"] == "PKH-2024-T2"
    assert stored["found"] is True
    assert (stored["eligible"], stored["nominal"]) == (ent.eligible, ent.nominal) == (True, got["nominal"])
    assert sorted(c["component"] for c in stored["components"]) == ["anak_usia_dini", "disabilitas_berat"]


def test_without_a_cycle_nothing_is_stored(golden_cycle_inputs, admin_user):
    got = explain_household(actor=admin_user, no_kk=INDRAMAYU, program=pkh(), period="2024-T3")
    assert got["stored"] is None


def test_every_household_agrees_with_the_cycle(golden_cycle_inputs, admin_user):
    """The live explanation decides like the cycle for every household of the golden registry."""
    call_command("cycle_create", program="SEMBAKO", period="2024-05")
    program = Program.objects.get(code="SEMBAKO")
    for ent in Entitlement.objects.filter(cycle__code="SEMBAKO-2024-05").select_related("household"):
        got = explain_household(
            actor=admin_user, no_kk=ent.household.no_kk, program=program, period="2024-05"
        )
        assert (got["eligible"], [r["code"] for r in got["reasons"]], got["nominal"]) == (
            ent.eligible,
            ent.reason_list,
            ent.nominal,
        ), ent.household.no_kk
        failed = {c["reason"] for c in got["conditions"] if not c["holds"]}
        assert failed <= set(ent.reason_list) | {"TANPA_ANGGOTA_HIDUP"}


def test_an_administrators_condition_is_explained_as_aturan_program(golden_cycle_inputs, admin_user):
    program = pkh()
    rule = program.current_version().eligibility_rule.replace(
        "desil <= 4", "desil <= 4 and jumlah_anggota >= 9"
    )
    program_version_create(actor=admin_user, program=program, changes={"eligibility_rule": rule})
    got = explain_household(actor=admin_user, no_kk=DEAD_LANSIA, program=program, period="2024-T2")
    assert got["eligible"] is False
    assert [r["code"] for r in got["reasons"]] == ["ATURAN_PROGRAM"]
    cond = next(c for c in got["conditions"] if c["condition"] == "jumlah_anggota >= 9")
    assert cond["holds"] is False
    assert cond["reason"] == "ATURAN_PROGRAM"
    assert cond["values"].startswith("jumlah_anggota = ")


def test_outside_the_region_the_household_is_not_found_and_nik_is_masked(golden_cycle_inputs, make_user):
    metro = make_user("metro", "operator_dinsos_kab", "18.72")
    with pytest.raises(NotFound):
        explain_household(actor=metro, no_kk=INDRAMAYU, program=pkh(), period="2024-T2")
    with pytest.raises(NotFound):
        explain_household(actor=metro, no_kk="0000000000000000", program=pkh(), period="2024-T2")
    pendamping = make_user("pend", "pendamping", "32.12")
    got = explain_household(actor=pendamping, no_kk=INDRAMAYU, program=pkh(), period="2024-T2")
    assert all("******" in m["nik"] for m in got["members"])
    kab = make_user("indramayu", "operator_dinsos_kab", "32.12")
    got = explain_household(actor=kab, no_kk=INDRAMAYU, program=pkh(), period="2024-T2")
    assert not any("*" in m["nik"] for m in got["members"])


def test_refusals(golden_cycle_inputs, admin_user, make_user):
    with pytest.raises(PermissionDenied):
        explain_household(actor=None, no_kk=INDRAMAYU, program=pkh(), period="2024-T2")
    with pytest.raises(SalurError, match="per tahap"):
        explain_household(actor=admin_user, no_kk=INDRAMAYU, program=pkh(), period="2024-05")
    with pytest.raises(SalurError, match="kasus per kasus"):
        explain_household(actor=admin_user, no_kk=INDRAMAYU, program=Program.objects.get(code="ATENSI"))
