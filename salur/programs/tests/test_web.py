"""The catalogue pages, the edit form (wrong rule refused with its position, preview, new version, audit), the
preview scoped to the viewer's region, the explanation page, and the API door; SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from salur.core.models import AuditEntry
from salur.programs.models import Program, ProgramVersion
from salur.programs.services import program_version_create, rule_preview

pytestmark = pytest.mark.django_db

INDRAMAYU = "3212092406108030"


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def edit_data(program: Program, **changes) -> dict:
    v = program.current_version()
    data = {
        "nama": program.nama,
        "budget_line": program.budget_line,
        "schedule": program.schedule,
        "eligibility_rule": v.eligibility_rule,
        "amount_rule": v.amount_rule,
        "period": "",
    }
    for key in ("desil_max", "per_month", "max_members"):
        if key in v.config:
            data[key] = str(v.config[key])
    for comp in v.config.get("components", []):
        data[f"comp_{comp['code']}_yearly"] = str(comp["yearly"])
        data[f"comp_{comp['code']}_cap"] = "" if comp.get("cap") is None else str(comp["cap"])
    data.update(changes)
    return data


def test_the_catalogue_lists_every_default_program_with_its_version(golden_cycle_inputs, admin_user):
    body = client_for(admin_user).get("/program/").content.decode()
    for code in ("PKH", "SEMBAKO", "BLT", "BERAS", "ATENSI", "SANTUNAN"):
        assert f'data-code="{code}"' in body
    assert "Bantuan sosial PKH" in body


def test_a_wrong_rule_is_refused_on_save_with_line_column_and_caret(golden_cycle_inputs, admin_user):
    program = Program.objects.get(code="SEMBAKO")
    before = (ProgramVersion.objects.count(), AuditEntry.objects.count())
    response = client_for(admin_user).post(
        "/program/SEMBAKO/ubah/",
        edit_data(program, eligibility_rule="desil <= 4 and umur >= 70", action="save"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "hanya ada pada anggota" in body
    assert "Baris 1, kolom 16" in body
    assert "desil &lt;= 4 and umur &gt;= 70\n" + " " * 15 + "^" in body
    assert (ProgramVersion.objects.count(), AuditEntry.objects.count()) == before


def test_saving_makes_a_new_version_audited_and_the_history_shows_the_diff(golden_cycle_inputs, admin_user):
    program = Program.objects.get(code="SEMBAKO")
    old = program.current_version()
    rule = old.eligibility_rule.replace("desil <= 4", "desil <= 3")
    response = client_for(admin_user).post(
        "/program/SEMBAKO/ubah/", edit_data(program, eligibility_rule=rule, desil_max="3", action="save")
    )
    assert response.status_code == 302
    new = program.current_version()
    assert (new.version, new.eligibility_rule, new.config["desil_max"], new.created_by) == (
        2,
        rule,
        3,
        admin_user,
    )
    old.refresh_from_db()
    assert old.version == 1
    assert "desil <= 4" in old.eligibility_rule
    assert old.config["desil_max"] == 4
    entry = json.loads(AuditEntry.objects.filter(action="program.version_create").latest("id").payload)
    assert entry["before"]["config"]["desil_max"] == 4
    assert entry["after"]["config"]["desil_max"] == 3
    assert entry["after"]["version"] == 2
    body = client_for(admin_user).get("/program/SEMBAKO/").content.decode()
    assert 'data-version="2"' in body
    assert "desil_max" in body
    assert "admin_uji" in body


def test_a_desil_limit_differing_from_the_parameter_is_refused(golden_cycle_inputs, admin_user):
    program = Program.objects.get(code="SEMBAKO")
    rule = program.current_version().eligibility_rule.replace("desil <= 4", "desil <= 3")
    body = (
        client_for(admin_user)
        .post("/program/SEMBAKO/ubah/", edit_data(program, eligibility_rule=rule, action="save"))
        .content.decode()
    )
    assert "samakan keduanya" in body
    assert program.current_version().version == 1


def test_pkh_component_amounts_and_caps_are_parameters(golden_cycle_inputs, admin_user):
    program = Program.objects.get(code="PKH")
    response = client_for(admin_user).post(
        "/program/PKH/ubah/",
        edit_data(program, comp_lansia_yearly="2800000", comp_lansia_cap="2", action="save"),
    )
    assert response.status_code == 302
    lansia = next(c for c in program.current_version().config["components"] if c["code"] == "lansia")
    assert (lansia["yearly"], lansia["cap"]) == (2_800_000, 2)


def test_nothing_changed_is_refused(golden_cycle_inputs, admin_user):
    program = Program.objects.get(code="PKH")
    body = (
        client_for(admin_user).post("/program/PKH/ubah/", edit_data(program, action="save")).content.decode()
    )
    assert "Tidak ada perubahan" in body


def test_the_edit_preview_counts_per_region_and_saves_nothing(golden_cycle_inputs, admin_user):
    program = Program.objects.get(code="SEMBAKO")
    before = ProgramVersion.objects.count()
    body = (
        client_for(admin_user)
        .post(
            "/program/SEMBAKO/ubah/",
            edit_data(program, eligibility_rule="desil <= 2", period="2024-05", action="preview"),
        )
        .content.decode()
    )
    assert 'id="preview-regions"' in body
    assert ProgramVersion.objects.count() == before
    result = rule_preview(actor=admin_user, program=program, eligibility_rule="desil <= 2", period="2024-05")
    assert f'data-testid="preview-selected">{result["selected"]}<' in body


def test_the_preview_agrees_with_the_cycle_and_sums_per_region(golden_cycle_inputs, admin_user):
    from django.core.management import call_command

    from salur.cycles.models import Cycle

    program = Program.objects.get(code="PKH")
    rule = program.current_version().eligibility_rule
    result = rule_preview(actor=admin_user, program=program, eligibility_rule=rule, period="2024-T2")
    call_command("cycle_create", program="PKH", period="2024-T2")
    cycle = Cycle.objects.get(code="PKH-2024-T2")
    assert (result["selected"], result["total"], result["selected_now"]) == (
        cycle.eligible,
        cycle.total,
        cycle.eligible,
    )
    assert result["not_eligible"] == cycle.not_eligible
    assert sum(p["dipilih"] for p in result["provinsi"]) == result["selected"]
    assert sum(k["dipilih"] for k in result["kabupaten"]) == result["selected"]
    assert all(k["kode"].startswith(k["provinsi"]) and len(k["kode"]) == 4 for k in result["kabupaten"])
    stricter = rule_preview(
        actor=admin_user, program=program, eligibility_rule="desil <= 1", period="2024-T2"
    )
    assert stricter["selected"] < result["selected"]
    assert stricter["selected_now"] == result["selected"]


def test_a_regional_viewer_previews_only_its_region(golden_cycle_inputs, admin_user, make_user):
    program = Program.objects.get(code="SEMBAKO")
    everyone = rule_preview(
        actor=admin_user, program=program, eligibility_rule="desil <= 4", period="2024-05"
    )
    kab = make_user("indramayu", "operator_dinsos_kab", "32.12")
    mine = rule_preview(actor=kab, program=program, eligibility_rule="desil <= 4", period="2024-05")
    assert {k["kode"] for k in mine["kabupaten"]} == {"3212"}
    want = next(k for k in everyone["kabupaten"] if k["kode"] == "3212")
    assert (mine["households"], mine["selected"]) == (want["keluarga"], want["dipilih"])
    body = (
        client_for(kab)
        .post(
            "/program/SEMBAKO/pratinjau/",
            {"eligibility_rule": "desil <= 4", "amount_rule": "", "period": "2024-05"},
        )
        .content.decode()
    )
    assert 'data-kode="3212"' in body
    assert 'data-kode="1812"' not in body
    assert 'data-kode="32"' in body


def test_the_preview_page_shows_a_wrong_rule_with_its_position(golden_cycle_inputs, make_user):
    kab = make_user("indramayu", "operator_dinsos_kab", "32.12")
    body = (
        client_for(kab)
        .post(
            "/program/SEMBAKO/pratinjau/", {"eligibility_rule": "desil <= ", "amount_rule": "", "period": ""}
        )
        .content.decode()
    )
    assert "belum selesai" in body
    assert 'data-testid="rule-error-eligibility_rule"' in body


def test_the_explanation_page_and_form(golden_cycle_inputs, admin_user):
    c = client_for(admin_user)
    response = c.get(f"/program/jelaskan/?no_kk={INDRAMAYU}&program=PKH&period=2024-T2")
    assert response.status_code == 302
    assert response["Location"] == f"/program/PKH/jelaskan/{INDRAMAYU}/?periode=2024-T2"
    body = c.get(response["Location"]).content.decode()
    assert 'id="conditions"' in body
    assert "desil = 1" in body
    assert 'id="components"' in body
    assert c.get("/program/PKH/jelaskan/0000000000000000/").status_code == 404
    assert "per tahap" in c.get(f"/program/PKH/jelaskan/{INDRAMAYU}/?periode=2024-05").content.decode()


# --- API ---------------------------------------------------------------------------------------------------


def test_api_catalogue_detail_preview_versions_and_explain(golden_cycle_inputs, admin_user):
    c = client_for(admin_user)
    codes = [p["code"] for p in c.get("/api/v1/programs/").json()]
    assert codes == ["ATENSI", "BERAS", "BLT", "PKH", "SANTUNAN", "SEMBAKO"]
    assert c.get("/api/v1/programs/PKH").json()["versions"][0]["version"] == 1
    bad = c.post(
        "/api/v1/programs/SEMBAKO/preview",
        json.dumps({"eligibility_rule": "desil <= 4 and", "period": "2024-05"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    [problem] = bad.json()["problems"]
    assert (problem["field"], problem["line"], problem["column"]) == ("eligibility_rule", 1, 15)
    ok = c.post(
        "/api/v1/programs/SEMBAKO/preview",
        json.dumps({"eligibility_rule": "desil <= 4", "period": "2024-05"}),
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["selected"] > 0
    wrong = c.post(
        "/api/v1/programs/SEMBAKO/versions",
        json.dumps({"amount_rule": "200000 * bulan / 2"}),
        content_type="application/json",
    )
    assert wrong.status_code == 422
    assert wrong.json()["problems"][0]["field"] == "amount_rule"
    made = c.post(
        "/api/v1/programs/SEMBAKO/versions",
        json.dumps({"amount_rule": "150000 * bulan", "per_month": 150000}),
        content_type="application/json",
    )
    assert made.status_code == 201
    assert made.json()["version"] == 2
    got = c.get(f"/api/v1/programs/SEMBAKO/explain/{INDRAMAYU}?period=2024-05").json()
    assert (got["eligible"], got["nominal"], got["program_version"]) == (True, 150_000, 2)
    assert c.get("/api/v1/programs/SEMBAKO/explain/0000000000000000").status_code == 404
    assert c.get("/api/v1/programs/NOPE/explain/0000000000000000").status_code == 404


def test_service_refuses_a_non_editor(golden_cycle_inputs, make_user):
    from salur.core.errors import PermissionDenied

    kab = make_user("indramayu", "operator_dinsos_kab", "32.12")
    with pytest.raises(PermissionDenied):
        program_version_create(actor=kab, program=Program.objects.get(code="PKH"), changes={"desil_max": 3})
