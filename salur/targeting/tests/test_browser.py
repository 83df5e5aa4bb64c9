"""An administrator scores the registry from the targeting page in a real headless Chromium.

Skipped when Chromium is not installed, except in CI (CI=true), where a missing browser fails the run."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI") == "true"

try:
    from playwright.sync_api import Browser, expect, sync_playwright
except ImportError as exc:  # pragma: no cover - the dev dependency group installs playwright
    if IN_CI:
        raise
    pytest.skip(f"Playwright is not installed ({exc})", allow_module_level=True)

if not CHROMIUM.exists():
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
TIMEOUT_MS = 30_000


@pytest.fixture
def regions(transactional_db, django_db_blocker) -> None:
    """The region tree, loaded again when an earlier live-server test's flush emptied it."""
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium; the database is touched only outside this block (see registry's test_browser)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_an_administrator_scores_the_registry_from_the_targeting_page(
    live_server, regions, run_import, golden_dir, tmp_path
):
    from salur.conftest import DEMO_PASSWORD
    from salur.registry.models import Household
    from salur.targeting.models import ScoreRun

    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    households = Household.objects.count()

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/masuk/")
        page.fill("#id_username", "admin_uji")
        page.fill("#id_password", DEMO_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        expect(page).to_have_url(re.compile(r"/registri/$"))
        page.goto(f"{live_server.url}/penargetan/")
        expect(page.get_by_test_id("model-label")).to_have_text("bawaan (v0)")
        expect(page.get_by_text("Belum pernah dinilai.")).to_be_visible()
        page.get_by_test_id("score").click()
        expect(page).to_have_url(re.compile(r"/penargetan/$"))
        expect(page.locator(".message-success")).to_contain_text(
            f"Skor PMT dihitung untuk {households} keluarga"
        )
        expect(page.get_by_test_id("last-run")).to_contain_text("v0")
        page.screenshot(path=str(tmp_path / "targeting.png"), full_page=True)
        # calibration on the worked example: too few surveyed households, said on the page
        page.get_by_test_id("calibrate").click()
        expect(page.locator(".errorbox")).to_contain_text(
            "Terlalu sedikit keluarga dengan pengeluaran_per_kapita"
        )

    assert ScoreRun.objects.get().households == households
