"""A reviewer's path through the duplicate queue in a real headless Chromium (Debian's /usr/bin/chromium).

Skipped when Chromium is missing, except in CI (CI=true)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI") == "true"

try:
    from playwright.sync_api import expect
except ImportError as exc:  # pragma: no cover
    if IN_CI:
        raise
    pytest.skip(f"Playwright is not installed ({exc})", allow_module_level=True)

if not CHROMIUM.exists():
    if IN_CI:
        pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests", pytrace=False)
    pytest.skip(f"{CHROMIUM} is missing", allow_module_level=True)

from salur.registry.tests.test_browser import TIMEOUT_MS, chromium  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture
def regions(transactional_db, django_db_blocker) -> None:
    """The region tree again after an earlier live-server test's flush (see registry's browser test)."""
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


def test_a_reviewer_merges_one_pair_and_dismisses_another(
    live_server, regions, run_import, golden_dir, make_user, tmp_path
):
    from salur.conftest import DEMO_PASSWORD
    from salur.core.models import AuditEntry
    from salur.dataquality.models import DuplicatePair, MergeRecord
    from salur.dataquality.selectors import cycle_exclusions
    from salur.dataquality.services import dedup_run

    run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
    admin = make_user("pusat_uji", "admin_pusat")
    dedup_run(actor=admin)
    reviewer = make_user("verif_uji", "verifikator")
    first, second = list(
        DuplicatePair.objects.filter(kind="orang", status="baru").order_by("-skor", "id")[:2]
    )
    a_name, b_name = first.member_a.nama, first.member_b.nama

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="id-ID")
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/masuk/")
        page.fill("#id_username", reviewer.username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_role("link", name="Kualitas data").click()
        expect(page).to_have_url(re.compile(r"/kualitas/$"))
        expect(page.locator("svg.dq-chart").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        page.get_by_test_id("queue-link").click()
        expect(page).to_have_url(re.compile(r"/kualitas/duplikat/$"))
        page.locator(f'a[href="/kualitas/duplikat/{first.pk}/"]').click()

        expect(page.get_by_test_id("pair-reason")).to_contain_text(first.alasan[:20])
        expect(page.locator(".dq-compare")).to_contain_text(a_name)
        expect(page.locator(".dq-compare")).to_contain_text(b_name)
        # the NIKs always differ: at least that row is marked
        expect(page.get_by_test_id("diff").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "pair.png"), full_page=True)
        page.get_by_label("Duplikat: gabungkan").check()
        page.get_by_label("Data A (kiri)").check()
        page.get_by_label("Catatan").fill("KTP sama, diperiksa")
        page.get_by_role("button", name="Simpan keputusan").click()
        expect(page).to_have_url(re.compile(r"/kualitas/duplikat/$"))
        expect(page.locator(".message-success")).to_contain_text("digabung")

        page.goto(f"{live_server.url}/kualitas/duplikat/{second.pk}/")
        page.get_by_label("Bukan duplikat: tolak").check()
        page.get_by_role("button", name="Simpan keputusan").click()
        expect(page.locator(".message-success")).to_contain_text("bukan duplikat")

        page.goto(f"{live_server.url}/kualitas/duplikat/?status=digabung")
        expect(page.get_by_test_id("pair-count")).to_have_text("1 pasangan")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("digabung", "ditolak")
    assert first.decided_by_id == reviewer.pk
    merge = MergeRecord.objects.get(pair=first)
    assert merge.member_id == first.member_b_id
    assert cycle_exclusions()[0] == [first.member_b_id]
    assert (
        AuditEntry.objects.filter(action__in=["dataquality.pair.merge", "dataquality.pair.dismiss"]).count()
        == 2
    )
