"""An administrator changes a program's rule in a real headless Chromium: a wrong rule is refused with its
position, the preview counts the households per region, and saving makes version 2."""

from __future__ import annotations

import re

import pytest

from salur.registry.tests.test_browser import chromium, expect, log_in, regions  # noqa: F401

pytestmark = pytest.mark.browser


def test_an_administrator_edits_a_rule_sees_the_error_previews_and_saves(
    live_server,
    regions,  # noqa: F811
    run_import,
    golden_dir,
    tmp_path,
):
    from salur.programs.models import Program
    from salur.programs.services import catalogue_load_defaults, rule_preview

    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    catalogue_load_defaults()
    from salur.accounts.models import User

    program = Program.objects.get(code="SEMBAKO")
    expected = rule_preview(
        actor=User.objects.get(username="admin_uji"),
        program=program,
        eligibility_rule="desil <= 3",
        period="2024-05",
    )["selected"]

    with chromium() as browser:
        page = log_in(browser, live_server.url)
        page.get_by_role("link", name="Program", exact=True).click()
        expect(page).to_have_url(re.compile(r"/program/$"))
        page.get_by_role("link", name="SEMBAKO").click()
        page.get_by_role("link", name="Ubah aturan").click()
        expect(page).to_have_url(re.compile(r"/program/SEMBAKO/ubah/$"))

        page.fill("textarea[name=eligibility_rule]", "desil <= 3 and umur >= 60")
        page.fill("input[name=desil_max]", "3")
        page.get_by_role("button", name="Simpan sebagai versi baru").click()
        error = page.get_by_test_id("rule-error-eligibility_rule")
        expect(error).to_contain_text("'umur' hanya ada pada anggota")
        expect(error).to_contain_text("Baris 1, kolom 16")
        expect(error.locator("pre")).to_have_text("desil <= 3 and umur >= 60\n" + " " * 15 + "^")
        page.screenshot(path=str(tmp_path / "rule-error.png"), full_page=True)

        page.fill("textarea[name=eligibility_rule]", "desil <= 3")
        page.fill("input[name=period]", "2024-05")
        page.get_by_role("button", name="Pratinjau").click()
        expect(page.get_by_test_id("preview-selected")).to_have_text(str(expected))
        expect(page.locator("#preview-regions tr.row-provinsi").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

        page.get_by_role("button", name="Simpan sebagai versi baru").click()
        expect(page).to_have_url(re.compile(r"/program/SEMBAKO/$"))
        expect(page.locator(".message-success")).to_contain_text("versi 2")
        expect(page.locator("#history .history-item").first).to_contain_text("desil <= 3")

    version = program.current_version()
    assert (version.version, version.eligibility_rule, version.config["desil_max"]) == (2, "desil <= 3", 3)
