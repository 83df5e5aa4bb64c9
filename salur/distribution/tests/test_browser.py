"""A field worker records a handover in real headless Chromium: offline first (queued on the device), then synced
once the signal is back; a replay after the sync writes nothing more."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from salur.registry.tests.test_browser import CHROMIUM, TIMEOUT_MS, chromium, regions  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_field_worker_records_a_handover_offline_and_it_syncs_once(
    live_server,
    regions,  # noqa: F811
    make_user,
    tmp_path,
):
    from playwright.sync_api import expect

    from salur.conftest import DEMO_PASSWORD
    from salur.distribution.catalogue import catalogue_load
    from salur.distribution.models import Handover
    from salur.distribution.services import (
        EventData,
        RecipientRow,
        event_create,
        event_issue,
        recipients_add,
        stock_receive,
        warehouse_ensure,
    )
    from salur.distribution.tests.factories import DESA_METRO, person, sentra_user
    from salur.programs.services import catalogue_load_defaults

    catalogue_load_defaults()
    admin = make_user("admin_b", "admin_pusat")
    catalogue_load(actor=admin)
    petugas = sentra_user(make_user, "petugas_b", "sentra-handayani", ["18.72"], "18.72")
    wh = warehouse_ensure(actor=petugas, unit=petugas.unit)
    from salur.distribution.models import Item

    stock_receive(
        actor=petugas,
        warehouse=wh,
        item=Item.objects.get(kode="paket-sembako"),
        qty=5,
        unit_price=255_000,
        supplier="CV",
        document_no="SJ",
        tanggal=dt.date(2024, 4, 1),
    )
    members = [person(1, born=dt.date(1950, 1, 1)), person(2)]
    event = event_create(
        actor=petugas,
        data=EventData(
            judul="Uji peramban",
            organiser=petugas.unit,
            warehouse=wh,
            kode_wilayah=DESA_METRO,
            tanggal=dt.date(2024, 4, 16),
            program_codes=["ATENSI"],
        ),
    )
    recipients_add(
        actor=petugas,
        event=event,
        rows=[RecipientRow(nik=m.nik, items={"paket-sembako": 1}) for m in members],
    )
    event_issue(actor=petugas, event=event)
    first = event.recipients.order_by("id").first()

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server.url}/masuk/")
        page.fill("#id_username", "petugas_b")
        page.fill("#id_password", DEMO_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.goto(f"{live_server.url}/penyaluran/kegiatan/{event.pk}/serah-terima/")
        row = page.locator(f'tr[data-recipient="{first.pk}"]')
        context.set_offline(True)
        row.get_by_label("Cap jempol").check()
        row.get_by_role("button", name="Diterima", exact=True).click()
        expect(row.locator(".state")).to_have_text("menunggu kirim")
        expect(page.get_by_test_id("queue-count")).to_have_text("1")
        expect(page.get_by_test_id("sync-result")).to_contain_text("tidak ada sinyal")
        context.set_offline(False)
        page.get_by_role("button", name="Kirim sekarang").click()
        expect(row.locator(".state")).to_have_text("diterima")
        expect(page.get_by_test_id("queue-count")).to_have_text("0")
        page.screenshot(path=str(tmp_path / "handover.png"), full_page=True)
        page.goto(f"{live_server.url}/penyaluran/kegiatan/{event.pk}/")
        expect(page.get_by_test_id("recap")).to_contain_text("diterima 1")
        expect(page).to_have_url(re.compile(rf"/penyaluran/kegiatan/{event.pk}/$"))
        context.close()

    handover = Handover.objects.get()
    assert (handover.recipient_id, handover.received, handover.mark) == (first.pk, True, "cap_jempol")
