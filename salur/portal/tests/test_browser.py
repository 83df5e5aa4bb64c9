"""A citizen on a phone, in real headless Chromium: lookup, sanggah, a grievance that staff resolve, tracking.

Skipped when Chromium is not installed, except in CI (CI=true). Screenshots go to the test's tmp_path.
"""

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
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError as exc:  # pragma: no cover
    if IN_CI:
        raise
    pytest.skip(f"Playwright is not installed ({exc})", allow_module_level=True)

if not CHROMIUM.exists():
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
PHONE_WIDTH = 390


@pytest.fixture
def regions(transactional_db, django_db_blocker) -> None:
    """The region tree again after an earlier live-server test's flush (see registry/tests/test_browser.py)."""
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium; no ORM calls inside the block (Playwright's loop runs in this thread)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def phone(browser: Browser, csp_errors: list[str]) -> Page:
    page = browser.new_page(
        viewport={"width": PHONE_WIDTH, "height": 844}, locale="id-ID", is_mobile=True, has_touch=True
    )
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def pick_desa(page: Page) -> None:
    """Provinsi -> kabupaten -> kecamatan -> desa; each choice reloads the form with the next list (portal.js)."""
    for select, value in (
        ("#id_prov", "33"),
        ("#id_kab", "3325"),
        ("#id_kec", "332501"),
        ("#id_desa", "3325012001"),
    ):
        expect(page.locator(f"{select} option[value='{value}']")).to_be_attached()
        page.select_option(select, value)
        expect(page.locator(select)).to_have_value(value)


def test_a_citizen_looks_up_disputes_and_complains_and_staff_resolve_it(live_server, regions, tmp_path):
    from salur.conftest import DEMO_PASSWORD
    from salur.grievances.models import Grievance, Submission
    from salur.grievances.tests.factories import (
        DESA_BATANG,
        make_cycle,
        make_household,
        make_staff,
        make_units,
    )

    units = make_units()
    admin = make_staff("admin_portal", "admin_pusat", units["pusat"])
    siti = make_household(DESA_BATANG, ["Siti Aminah", "Budi"])
    make_household(DESA_BATANG, ["Sutarno Wibowo"])
    make_cycle("SEMBAKO", "2024-05", [(siti, 200_000)], admin)
    make_staff("petugas_batang", "operator_dinsos_kab", units["batang"])
    nik = siti.members.get(nama="Siti Aminah").nik
    base = live_server.url
    csp_errors: list[str] = []

    with chromium() as browser:
        page = phone(browser, csp_errors)
        # 1. lookup by desa and name: a masked name, the program and the tahap, nothing more
        page.goto(f"{base}/cek-bansos/")
        pick_desa(page)
        page.fill("#id_nama", "siti")
        page.get_by_role("button", name="Cari", exact=True).click()
        result = page.locator("#lookup-result")
        expect(result).to_contain_text("SI***H")
        expect(result).to_contain_text("SEMBAKO: Penerima · tahap 2024-05")
        expect(result).not_to_contain_text("Aminah")
        page.screenshot(path=str(tmp_path / "lookup-phone.png"), full_page=True)
        # by NIK: found, and the NIK is not on the page afterwards
        page.fill("#id_nik", nik)
        page.get_by_role("button", name="Cari NIK").click()
        expect(page.locator("#lookup-result")).to_contain_text("SI***H")
        assert nik not in page.content()
        # 2. a sanggah of that recipient
        page.get_by_role("link", name="Sanggah penerima ini").first.click()
        expect(page.locator("#sanggah-target")).to_have_text("SI***H")
        page.select_option("#id_reason", "mampu")
        page.fill("#id_text", "Keluarga ini punya dua mobil dan toko bangunan.")
        page.get_by_role("button", name="Kirim sanggahan").click()
        expect(page.locator("#tracking-no")).to_have_text(re.compile(r"^SGH-"))
        sanggah_no = page.locator("#tracking-no").inner_text()
        # 3. a grievance: the KKS card is blocked
        page.goto(f"{base}/cek-bansos/pengaduan/")
        pick_desa(page)
        page.select_option("#id_category", "kartu")
        page.fill("#id_text", "Kartu KKS saya terblokir setelah salah PIN tiga kali.")
        page.fill("#id_reporter_name", "Siti")
        page.get_by_role("button", name="Kirim pengaduan").click()
        expect(page.locator("#tracking-no")).to_have_text(re.compile(r"^ADU-"))
        grievance_no = page.locator("#tracking-no").inner_text()
        expect(page.locator("#track-status")).to_have_text("Baru")
        page.screenshot(path=str(tmp_path / "grievance-submitted-phone.png"), full_page=True)

        # 4. the Dinsos of Batang resolve it from their queue
        staff = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
        staff.set_default_timeout(TIMEOUT_MS)
        staff.goto(f"{base}/masuk/")
        staff.fill("#id_username", "petugas_batang")
        staff.fill("#id_password", DEMO_PASSWORD)
        staff.get_by_role("button", name="Masuk").click()
        staff.goto(f"{base}/pengaduan/")
        row = staff.locator(f'tr[data-tracking="{grievance_no}"]')
        expect(row).to_contain_text("Kartu KKS rusak, hilang atau terblokir")
        row.get_by_role("link", name=grievance_no).click()
        staff.select_option("#id_assignee", label="petugas_batang")
        staff.get_by_role("button", name="Tugaskan").click()
        expect(staff.locator("#grievance-assignee")).to_have_text("petugas_batang")
        staff.select_option("#id_status", "selesai")
        staff.fill("#id_resolution", "Kartu diganti di BRI unit Batang; saldo sudah bisa dipakai.")
        staff.get_by_role("button", name="Simpan penyelesaian").click()
        expect(staff.locator("#grievance-status")).to_have_text("Selesai")
        staff.screenshot(path=str(tmp_path / "staff-resolved.png"), full_page=True)
        # the sanggah waits in the usul/sanggah queue of the same Dinsos
        staff.goto(f"{base}/pengaduan/usulan/")
        expect(staff.locator("#submissions")).to_contain_text(sanggah_no)

        # 5. the citizen follows it by tracking number
        page.goto(f"{base}/cek-bansos/lacak/")
        page.fill("#id_no", grievance_no.lower())
        page.get_by_role("button", name="Lacak").click()
        expect(page.locator("#track-status")).to_have_text("Selesai")
        expect(page.locator("#track-outcome")).to_contain_text("Kartu diganti di BRI unit Batang")
        page.screenshot(path=str(tmp_path / "track-phone.png"), full_page=True)
        # the page fits a phone: no horizontal scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    assert csp_errors == []
    g = Grievance.objects.get(tracking_no=grievance_no)
    assert (g.status, g.unit.kode, g.resolved_by.username) == (
        "selesai",
        "dinsos-batang-uji",
        "petugas_batang",
    )
    assert Submission.objects.get(tracking_no=sanggah_no).household == siti
