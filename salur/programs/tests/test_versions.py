"""`program_version_create`: every refusal names its field (a rule with its position), nothing is written then;
a saved change is a new version, the old one untouched."""

from __future__ import annotations

import pytest

from salur.core.errors import SalurError
from salur.core.models import AuditEntry
from salur.programs.models import Program, ProgramVersion
from salur.programs.services import VersionInvalid, catalogue_load_defaults, program_version_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db):
    catalogue_load_defaults()


def _state():
    return (
        ProgramVersion.objects.count(),
        AuditEntry.objects.count(),
        list(Program.objects.values_list("nama", "budget_line", "schedule")),
    )


@pytest.mark.parametrize(
    ("code", "changes", "field", "message"),
    [
        ("SEMBAKO", {"eligibility_rule": "desil <= 4 and"}, "eligibility_rule", "belum selesai"),
        (
            "SEMBAKO",
            {"eligibility_rule": "desil <= 4 and pekerjan == 1"},
            "eligibility_rule",
            "tidak dikenal",
        ),
        ("SEMBAKO", {"eligibility_rule": "200000 * bulan"}, "eligibility_rule", "ya/tidak"),
        ("SEMBAKO", {"amount_rule": "200000 * bulan / 3"}, "amount_rule", "pecahan"),
        ("SEMBAKO", {"amount_rule": "desil <= 4"}, "amount_rule", "angka rupiah"),
        ("SEMBAKO", {"eligibility_rule": ""}, "eligibility_rule", "wajib diisi"),
        ("SEMBAKO", {"desil_max": 3}, "desil_max", "samakan"),
        ("SEMBAKO", {"per_month": -5}, "per_month", "tidak negatif"),
        ("PKH", {"amount_rule": "100 * bulan"}, "amount_rule", "komponen"),
        ("PKH", {"schedule": "monthly"}, "schedule", "per tahap"),
        ("PKH", {"components": {"lansia": {"yearly": -1}}}, "components.lansia.yearly", "tidak negatif"),
        ("PKH", {"components": {"cucu": {"yearly": 1}}}, "components.cucu", "tidak dikenal"),
        ("PKH", {"nama": "  "}, "nama", "wajib"),
    ],
)
def test_a_wrong_change_is_refused_with_its_field_and_nothing_is_written(
    catalogue, admin_user, code, changes, field, message
):
    before = _state()
    with pytest.raises(VersionInvalid) as exc:
        program_version_create(actor=admin_user, program=Program.objects.get(code=code), changes=changes)
    assert message in exc.value.errors[field]
    assert _state() == before


def test_a_wrong_rule_carries_its_position(catalogue, admin_user):
    with pytest.raises(VersionInvalid) as exc:
        program_version_create(
            actor=admin_user,
            program=Program.objects.get(code="BLT"),
            changes={"eligibility_rule": "desil <= 4\nand umur >= 70"},
        )
    err = exc.value.rule_errors["eligibility_rule"]
    assert (err.position.line, err.position.column, err.code) == (2, 5, "HANYA_ANGGOTA")
    assert "baris 2, kolom 5" in err.message


def test_a_saved_change_is_a_new_version_and_the_old_stays(catalogue, admin_user):
    program = Program.objects.get(code="PKH")
    v1 = program.current_version()
    v2 = program_version_create(
        actor=admin_user,
        program=program,
        changes={"components": {"anak_usia_dini": {"cap": None}}, "budget_line": "PKH 2025"},
    )
    assert v2.version == 2
    assert next(c for c in v2.config["components"] if c["code"] == "anak_usia_dini")["cap"] is None
    v1.refresh_from_db()
    assert next(c for c in v1.config["components"] if c["code"] == "anak_usia_dini")["cap"] == 2
    assert Program.objects.get(code="PKH").budget_line == "PKH 2025"
    only_name = program_version_create(actor=admin_user, program=program, changes={"nama": "PKH baru"})
    assert only_name.version == 2
    assert AuditEntry.objects.filter(action="program.update", object_id="PKH").count() == 1
    with pytest.raises(SalurError, match="Tidak ada perubahan"):
        program_version_create(actor=admin_user, program=program, changes={"nama": "PKH baru"})


def test_a_program_decided_case_by_case_may_keep_an_empty_rule(catalogue, admin_user):
    program = Program.objects.get(code="ATENSI")
    v = program_version_create(actor=admin_user, program=program, changes={"budget_line": "ATENSI 2025"})
    assert v.version == 1
    v = program_version_create(
        actor=admin_user, program=program, changes={"eligibility_rule": "any_member(umur >= 60)"}
    )
    assert v.version == 2
