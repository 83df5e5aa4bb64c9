"""A scoped operator in a real headless Chromium: another region's household cannot be reached, not even by URL."""

from __future__ import annotations

import re

import pytest

from salur.registry.tests.test_browser import TIMEOUT_MS, chromium, jobs_dir, regions  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import expect  # noqa: E402


@pytest.mark.usefixtures("regions", "jobs_dir")
def test_a_regional_operator_cannot_open_another_regions_household_by_url(
    live_server, run_import, golden_dir, make_user, tmp_path
):
    from salur.conftest import DEMO_PASSWORD
    from salur.registry.models import Household

    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    make_user("dinsos_indramayu", "operator_dinsos_kab", wilayah="32.12")
    own = Household.objects.filter(wilayah__kode__startswith="3212").order_by("no_kk").first()
    other = Household.objects.filter(wilayah__kode__startswith="5108").order_by("no_kk").first()
    assert own is not None
    assert other is not None
    own_kk, other_kk = own.no_kk, other.no_kk

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/masuk/")
        page.fill("#id_username", "dinsos_indramayu")
        page.fill("#id_password", DEMO_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        expect(page).to_have_url(re.compile(r"/registri/$"))

        # Its own region: the household opens.
        page.goto(f"{live_server.url}/registri/kk/{own_kk}/")
        expect(page.locator("h1")).to_contain_text(own_kk)

        # Another region's household, typed into the address bar: not found, and nothing of it shown.
        for path in (
            f"/registri/kk/{other_kk}/",
            f"/registri/kk/{other_kk}/ubah/",
            f"/registri/kk/{other_kk}/anggota/baru/",
        ):
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert response.status == 404
            expect(page.locator("h1")).to_have_text("Tidak ditemukan")
            assert other_kk not in page.locator("main").inner_text()
        page.screenshot(path=str(tmp_path / "not-found.png"), full_page=True)

        # Searching for it finds nothing either.
        page.goto(f"{live_server.url}/registri/?q={other_kk}")
        expect(page.get_by_test_id("result-count")).to_contain_text("0 keluarga")
