"""Every distribution page and endpoint against every role; a refused write changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client

from salur.core.access import can
from salur.distribution.models import Handover, StockMove
from salur.distribution.services import EventData, RecipientRow, event_create, event_issue, recipients_add
from salur.distribution.tests.factories import DESA_METRO

pytestmark = pytest.mark.django_db

ROLES = [
    ("admin_pusat", None),
    ("operator_dinsos_prov", "18"),
    ("operator_dinsos_kab", "18.72"),
    ("operator_desa", DESA_METRO),
    ("pendamping", "18.72"),
    ("verifikator", None),
    ("auditor", None),
    ("operator_dinsos_kab", "33.25"),  # another region
]


@pytest.fixture
def event(programs, stocked, handayani, people):
    e = event_create(
        actor=handayani,
        data=EventData(
            judul="Uji izin",
            organiser=handayani.unit,
            warehouse=stocked,
            kode_wilayah=DESA_METRO,
            tanggal=dt.date(2024, 4, 16),
            program_codes=["ATENSI"],
        ),
    )
    recipients_add(
        actor=handayani, event=e, rows=[RecipientRow(nik=people[0].nik, items={"paket-sembako": 1})]
    )
    event_issue(actor=handayani, event=e)
    return e


@pytest.mark.parametrize(("role", "wilayah"), ROLES)
def test_pages_and_sync_answer_each_role_as_its_capabilities_and_region_say(
    event, stocked, make_user, role, wilayah
):
    user = make_user(f"u_{role}_{wilayah}", role, wilayah)
    client = Client()
    client.force_login(user)
    inside = wilayah is None or DESA_METRO.startswith(wilayah.replace(".", ""))
    view = can(user, "distribution.view")
    assert client.get("/penyaluran/").status_code == (200 if view else 403)
    expected = 403 if not view else (200 if inside else 404)
    assert client.get(f"/penyaluran/kegiatan/{event.pk}/").status_code == expected
    assert client.get(f"/penyaluran/kegiatan/{event.pk}/bast.pdf").status_code == expected
    assert client.get(f"/penyaluran/gudang/{stocked.pk}/").status_code == expected
    moves, handovers = StockMove.objects.count(), Handover.objects.count()
    r = client.post(
        f"/penyaluran/gudang/{stocked.pk}/terima/",
        {
            "item": "paket-sembako",
            "qty": "1",
            "unit_price": "1",
            "supplier": "x",
            "document_no": "y",
            "tanggal": "2024-04-01",
        },
    )
    manage = can(user, "stock.manage")
    assert r.status_code == (403 if not manage else (302 if inside else 404))
    assert StockMove.objects.count() == moves + (1 if manage and inside else 0)
    r = client.post(
        "/api/v1/distribution/handovers",
        {
            "recipient_id": event.recipients.get().pk,
            "client_key": str(uuid.uuid4()),
            "received": False,
        },
        content_type="application/json",
    )
    hand = can(user, "distribution.handover")
    assert r.status_code == (403 if not hand else (201 if inside else 404))
    assert Handover.objects.count() == handovers + (1 if hand and inside else 0)


def test_anonymous_callers_are_turned_away(event):
    client = Client()
    assert client.get("/penyaluran/").status_code == 302
    assert client.get(f"/penyaluran/kegiatan/{event.pk}/bast.pdf").status_code == 302
    assert (
        client.post("/api/v1/distribution/handovers", {}, content_type="application/json").status_code == 401
    )
