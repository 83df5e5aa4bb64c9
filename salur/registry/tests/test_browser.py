"""A clerk's path through the registry in a real headless Chromium (Debian's /usr/bin/chromium, via Playwright).

Skipped when Chromium is not installed, except in CI (CI=true), where a missing browser fails the run.
Screenshots are written to the test's tmp_path (pytest keeps the last runs' folders) for a human look.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI") == "true"

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError as exc:  # pragma: no cover - the dev dependency group installs playwright
    if IN_CI:
        raise
    pytest.skip(f"Playwright is not installed ({exc})", allow_module_level=True)

if not CHROMIUM.exists():
    if IN_CI:
        pytest.fail(
            f"{CHROMIUM} is missing: CI must run the browser tests (apt-get install chromium)", pytrace=False
        )
    pytest.skip(
        f"{CHROMIUM} is missing (install it with: apt-get install -y chromium)", allow_module_level=True
    )

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


@pytest.fixture
def regions(transactional_db, django_db_blocker) -> None:
    """The region tree, loaded again when an earlier live-server test's flush emptied it.

    A live-server test runs on a transactional database, which is emptied after each test, the region tree
    (loaded once per session by conftest.django_db_setup) included. pytest-django runs transactional tests after
    all the others, so only tests like these ones need it back. Loading is skipped when the tree is present.
    """
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the length of a `with` block.

    The tests touch the database only outside this block: Playwright's sync API runs an event loop in this
    thread, and an ORM call made inside it would meet Django's async-safety check and get a connection of its
    own that is never closed (PostgreSQL then refuses to drop the test database).
    """
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def jobs_dir(settings, tmp_path: Path) -> Path:
    settings.SALUR_JOBS_DIR = tmp_path / "jobs"
    return settings.SALUR_JOBS_DIR


def log_in(browser: Browser, base_url: str) -> Page:
    from salur.conftest import DEMO_PASSWORD

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/masuk/")
    page.fill("#id_username", "admin_uji")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/registri/$"))
    expect(page.locator(".user-name")).to_have_text("admin_uji")
    return page


def a_member_to_edit() -> Any:
    """A member of an Indramayu household of the worked example, with a household of several people."""
    from salur.registry.models import Member

    return (
        Member.objects.select_related("household")
        .filter(household__wilayah__kode__startswith="3212", hubungan="anak", flags="")
        .order_by("nik")
        .first()
    )


def test_a_clerk_finds_a_household_by_nik_and_corrects_a_members_education(
    live_server, regions, run_import, golden_dir, jobs_dir, tmp_path
):
    from salur.registry.models import Member, RegistryChange

    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    member = a_member_to_edit()
    no_kk, nik, nama, old = member.household.no_kk, member.nik, member.nama, member.pendidikan
    new = "diploma" if old != "diploma" else "sarjana"

    with chromium() as browser:
        page = log_in(browser, live_server.url)
        page.get_by_label("Cari").fill(nik)
        page.get_by_role("button", name="Cari", exact=True).click()
        expect(page.get_by_test_id("result-count")).to_contain_text("1 keluarga ditemukan")
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        page.get_by_role("link", name=no_kk).click()

        expect(page).to_have_url(re.compile(rf"/registri/kk/{no_kk}/$"))
        row = page.locator(f'tr[data-nik="{nik}"]')
        expect(row.locator("td.col-pendidikan")).to_have_text(old.replace("_", " "))
        row.get_by_role("link", name="Ubah").click()

        expect(page).to_have_url(re.compile(rf"/registri/anggota/{nik}/ubah/$"))
        expect(page.locator("select[name=pendidikan]")).to_have_value(old)
        # A missing name is refused with the import's message, and what was typed stays on the page.
        page.select_option("select[name=pendidikan]", new)
        page.fill("input[name=nama]", "")
        page.get_by_role("button", name="Simpan").click()
        expect(page.locator(".field.has-error .field-error")).to_have_text("Nama (nama) wajib diisi")
        expect(page.locator("select[name=pendidikan]")).to_have_value(new)
        page.screenshot(path=str(tmp_path / "member-form-error.png"), full_page=True)
        page.fill("input[name=nama]", nama)
        page.get_by_role("button", name="Simpan").click()

        expect(page).to_have_url(re.compile(rf"/registri/kk/{no_kk}/$"))
        expect(page.locator(".message-success")).to_contain_text(
            f"Perubahan anggota {nama} ({nik}) disimpan."
        )
        expect(page.locator(f'tr[data-nik="{nik}"] td.col-pendidikan')).to_have_text(new)
        latest = page.locator("#history .history-item").first
        expect(latest).to_contain_text("diubah")
        expect(latest).to_contain_text(nik)
        expect(latest.locator("td.before")).to_have_text(old.replace("_", " "))
        expect(latest.locator("td.after")).to_have_text(new)
        page.screenshot(path=str(tmp_path / "household.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(tmp_path / "household-phone.png"), full_page=False)

    assert Member.objects.get(nik=nik).pendidikan == new
    change = RegistryChange.objects.get(entity="member", key=nik, action="update")
    assert (change.before, change.after, change.source) == ({"pendidikan": old}, {"pendidikan": new}, "web")
    assert (tmp_path / "household.png").stat().st_size > 0


def test_a_clerk_uploads_the_registry_files_and_watches_the_import_finish(
    live_server, regions, admin_user, golden_dir, jobs_dir, tmp_path
):
    from salur.registry.models import ImportJob

    with chromium() as browser:
        page = log_in(browser, live_server.url)
        page.get_by_role("link", name="Impor", exact=True).click()
        expect(page).to_have_url(re.compile(r"/registri/impor/$"))
        page.set_input_files("input[name=keluarga]", str(golden_dir / "keluarga.csv"))
        page.set_input_files("input[name=anggota]", str(golden_dir / "anggota.csv"))
        page.get_by_role("button", name="Unggah dan mulai impor").click()

        expect(page).to_have_url(re.compile(r"/registri/impor/\d+/$"))
        # The page polls status.json every second and reloads itself when the background import has finished.
        expect(page.get_by_test_id("job-status")).to_have_text("Selesai", timeout=120_000)
        households = page.locator(".summary-table tbody tr").first
        expect(households).to_contain_text("404")
        expect(households).to_contain_text("372")
        rejects_link = page.get_by_role("link", name="Unduh berkas penolakan (CSV)")
        expect(rejects_link).to_be_visible()
        page.screenshot(path=str(tmp_path / "import.png"), full_page=True)

        with page.expect_download() as download_info:
            rejects_link.click()
        saved = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(saved)

    header = saved.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == "berkas,baris,kunci,kolom,kode,nilai,pesan"
    job = ImportJob.objects.get()
    assert (job.status, job.source, job.created_by_id) == ("selesai", "web", admin_user.pk)
    assert job.summary is not None
    assert job.summary["households"]["accepted"] == 372
