"""Three people, three steps, one household, in a real headless Chromium: a desa operator proposes, Dinsos records
the home visit, a central verifikator fixes the list by SK. Skipped without Chromium, except in CI."""

from __future__ import annotations

import re

import pytest

from salur.registry.tests.test_browser import CHROMIUM_ARGS, TIMEOUT_MS, chromium, regions  # noqa: F401

try:
    from playwright.sync_api import Browser, Page, expect
except ImportError:  # pragma: no cover - test_browser above already skipped or failed the module
    pytest.skip("Playwright is not installed", allow_module_level=True)

pytestmark = pytest.mark.browser
PASSWORD = "Uji-Salur-2026!"


def log_in(browser: Browser, base_url: str, username: str, next_path: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/masuk/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator(".user-name")).to_have_text(username)
    return page


@pytest.mark.usefixtures("regions")
def test_a_household_is_proposed_verified_and_decided_by_three_different_people(
    live_server,
    golden_registry,
    make_user,
    tmp_path,
):
    import datetime as dt

    from salur.enrolment.models import Decision, Enrolment
    from salur.programs.services import catalogue_load_defaults
    from salur.registry.models import Household

    catalogue_load_defaults()
    household = Household.objects.filter(wilayah__kode__startswith="3212").order_by("no_kk").first()
    no_kk, desa = household.no_kk, household.wilayah_id
    make_user("b_desa", "operator_desa", desa, password=PASSWORD)
    make_user("b_kab", "operator_dinsos_kab", "32.12", password=PASSWORD)
    make_user("b_verif", "verifikator", password=PASSWORD)
    visit = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    sk_date = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    base = live_server.url

    with chromium() as browser:
        # 1. usulan by the desa operator, from the household's no_kk
        page = log_in(browser, base, "b_desa", "/kepesertaan/")
        page.get_by_role("link", name="Usulkan keluarga").click()
        page.fill("#id_no_kk", no_kk)
        page.select_option("#id_program", "PKH")
        page.fill("#id_reason", "Ibu hamil, suami buruh harian")
        page.get_by_role("button", name="Kirim usulan").click()
        expect(page.locator(".message-success")).to_contain_text(f"Keluarga {no_kk} diusulkan untuk PKH")
        expect(page.get_by_test_id("step")).to_have_text("Diusulkan, menunggu verifikasi")
        expect(page.get_by_role("link", name="Catat verifikasi")).to_have_count(0)
        page.screenshot(path=str(tmp_path / "1-usulan.png"), full_page=True)
        page.close()

        # 2. verifikasi by Dinsos: from the queue to the form
        page = log_in(browser, base, "b_kab", "/kepesertaan/")
        page.get_by_test_id("queue").get_by_role(
            "link", name=re.compile("1 usulan PKH menunggu verifikasi")
        ).click()
        page.locator("#enrolments").get_by_role("link", name=no_kk).click()
        page.get_by_role("link", name="Catat verifikasi").click()
        page.check("input[name=result][value=layak]")
        page.fill("#id_visit_date", visit)
        page.fill("#id_officer", "TKSK Sri Wahyuni")
        page.fill("#id_notes", "Rumah semi permanen, lantai tanah")
        page.get_by_role("button", name="Simpan hasil verifikasi").click()
        expect(page.locator(".message-success")).to_contain_text("Layak")
        expect(page.get_by_test_id("step")).to_have_text("Layak, menunggu penetapan")
        page.screenshot(path=str(tmp_path / "2-verifikasi.png"), full_page=True)
        page.close()

        # 3. penetapan by the central verifikator, with its SK number
        page = log_in(browser, base, "b_verif", "/kepesertaan/")
        page.get_by_test_id("queue").get_by_role("link", name=re.compile("1 calon PKH terverifikasi")).click()
        expect(page.get_by_test_id("decide-count")).to_contain_text("1 keluarga akan ditetapkan")
        page.fill("#id_sk_number", "SK-UJI/PKH/2026")
        page.fill("#id_sk_date", sk_date)
        page.get_by_role("button", name="Tetapkan 1 keluarga").click()
        expect(page.locator(".message-success")).to_contain_text("SK SK-UJI/PKH/2026: 1 keluarga ditetapkan")
        expect(page.get_by_test_id("decision-count")).to_have_text("1")
        page.get_by_role("link", name=no_kk).click()
        expect(page.get_by_test_id("status")).to_have_text("Aktif")
        expect(page.get_by_test_id("events")).to_contain_text("b_desa")
        expect(page.get_by_test_id("events")).to_contain_text("b_kab")
        page.screenshot(path=str(tmp_path / "3-penetapan.png"), full_page=True)
        page.close()

    enrolment = Enrolment.objects.select_related("proposal__proposed_by", "verification__verified_by").get(
        household__no_kk=no_kk, program__code="PKH"
    )
    assert (enrolment.status, enrolment.step) == ("aktif", "ditetapkan")
    assert enrolment.proposal.proposed_by.username == "b_desa"
    assert enrolment.verification.verified_by.username == "b_kab"
    decision = Decision.objects.get()
    assert (decision.sk_number, decision.count, decision.decided_by.username) == (
        "SK-UJI/PKH/2026",
        1,
        "b_verif",
    )
