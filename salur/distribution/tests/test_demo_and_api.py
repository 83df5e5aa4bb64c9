"""The demo's Metro event (57 PM: 56 sembako, 1 warung) and the handover sync API of the offline page."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client

from salur.distribution.models import DistributionEvent, EventItem, Handover
from salur.distribution.tests.factories import person

pytestmark = pytest.mark.django_db


def test_the_demo_builds_the_metro_event_with_its_bast_once(admin_user, handayani, tmp_path, settings):
    from salur.distribution import demo

    settings.VAR_DIR = tmp_path
    for n in range(57):
        person(100 + n, born=dt.date(1950 + n % 40, 1, 1))
    logs: list[str] = []
    users = {"demo_admin": admin_user, "sentra_handayani": handayani}
    demo.run(users, logs.append)
    demo.run(users, logs.append)
    event = DistributionEvent.objects.get()
    assert (event.status, event.recipients.count(), event.wilayah.kode_kab) == ("selesai", 57, "1872")
    assert sorted(EventItem.objects.values_list("item__kode", "qty").order_by().distinct()) == [
        ("paket-modal-warung", 1),
        ("paket-sembako", 1),
    ]
    assert EventItem.objects.filter(item__kode="paket-sembako").count() == 56
    assert Handover.objects.filter(received=True).count() == 57
    assert (tmp_path / "bast" / f"bast-{event.pk:05d}.pdf").read_bytes().startswith(b"%PDF")
    assert sum("BAST" in line for line in logs) == 2


@pytest.fixture
def issued_event(programs, stocked, handayani, people):
    from salur.distribution.services import EventData, RecipientRow, event_create, event_issue, recipients_add
    from salur.distribution.tests.factories import DESA_METRO

    event = event_create(
        actor=handayani,
        data=EventData(
            judul="Uji sinkron",
            organiser=handayani.unit,
            warehouse=stocked,
            kode_wilayah=DESA_METRO,
            tanggal=dt.date(2024, 4, 16),
            program_codes=["ATENSI"],
        ),
    )
    recipients_add(
        actor=handayani,
        event=event,
        rows=[RecipientRow(nik=m.nik, items={"paket-sembako": 1}) for m in people[:2]],
    )
    event_issue(actor=handayani, event=event)
    return event


PNG_1PX = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def test_a_replayed_sync_answers_with_the_first_record_and_writes_nothing(issued_event, handayani):
    client = Client()
    client.force_login(handayani)
    recipient = issued_event.recipients.order_by("id").first()
    body = {
        "recipient_id": recipient.pk,
        "client_key": str(uuid.uuid4()),
        "received": True,
        "mark": "cap_jempol",
        "photo": PNG_1PX,
        "latitude": -5.1131,
        "longitude": 105.3067,
        "recorded_at": "2024-04-16T09:30:00+07:00",
    }
    first = client.post("/api/v1/distribution/handovers", body, content_type="application/json")
    again = client.post("/api/v1/distribution/handovers", body, content_type="application/json")
    assert (first.status_code, first.json()["created"]) == (201, True)
    assert (again.status_code, again.json()["created"], again.json()["id"]) == (
        200,
        False,
        first.json()["id"],
    )
    other_key = client.post(
        "/api/v1/distribution/handovers",
        {**body, "client_key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert other_key.status_code == 409
    handover = Handover.objects.get()
    assert (str(handover.latitude), handover.photo.name.endswith(".png")) == ("-5.113100", True)


def test_a_pendamping_of_another_region_cannot_sync_a_handover(issued_event, make_user):
    client = Client()
    client.force_login(make_user("pendamping_lain", "pendamping", "32.12"))
    recipient = issued_event.recipients.first()
    r = client.post(
        "/api/v1/distribution/handovers",
        {"recipient_id": recipient.pk, "client_key": str(uuid.uuid4()), "received": False},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert Handover.objects.count() == 0
