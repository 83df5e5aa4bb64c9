"""A distribution event end to end: recipients from the registry, stock issue, handovers, close, BAST PDF."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid

import pytest

from salur.core.errors import SalurError
from salur.distribution.bast import bast_pdf, bast_write
from salur.distribution.models import EventStatus, Handover, StockBalance
from salur.distribution.selectors import event_checks, event_recap
from salur.distribution.services import (
    EventData,
    HandoverConflict,
    HandoverData,
    RecipientRow,
    event_close,
    event_create,
    event_issue,
    handover_record,
    recipients_add,
)
from salur.distribution.tests.factories import DESA_METRO

pytestmark = pytest.mark.django_db
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")


def new_event(actor, warehouse, **reported):
    return event_create(
        actor=actor,
        data=EventData(
            judul="Penyaluran ATENSI Kota Metro",
            organiser=actor.unit,
            warehouse=warehouse,
            kode_wilayah=DESA_METRO,
            tanggal=dt.date(2024, 4, 16),
            tempat="Kantor Dinas Sosial Kota Metro",
            pejabat=[{"nama": "Sri Amanto", "jabatan": "Kepala Dinas Sosial Kota Metro"}],
            program_codes=["ATENSI"],
            **reported,
        ),
    )


def sembako(member, n=1):
    return RecipientRow(nik=member.nik, items={"paket-sembako": n})


def hand(actor, recipient, received=True, key=None):
    return handover_record(
        actor=actor,
        recipient=recipient,
        data=HandoverData(
            client_key=key or uuid.uuid4(), received=received, mark="cap_jempol" if received else ""
        ),
    )


def test_an_event_runs_from_the_list_to_the_bast(programs, stocked, handayani, people, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    event = new_event(handayani, stocked)
    result = recipients_add(
        actor=handayani,
        event=event,
        rows=[
            sembako(people[0]),
            sembako(people[1]),
            sembako(people[2]),
            RecipientRow(nik=people[3].nik, items={"paket-modal-warung": 1}),
            sembako(people[0]),  # twice in the list
            RecipientRow(nik="1872010101010001", items={"paket-sembako": 1}),  # not in the registry
            RecipientRow(nik=people[1].nik, items={"kulkas": 1}),
        ],
    )
    assert result.added == 4
    assert [(r["baris"], r["alasan"]) for r in result.rejected] == [
        (5, "NIK ganda dalam daftar ini: satu orang hanya menerima sekali per kegiatan"),
        (6, "NIK tidak ada di registri"),
        (7, "NIK ganda dalam daftar ini: satu orang hanya menerima sekali per kegiatan"),
    ]
    event_issue(actor=handayani, event=event)
    assert StockBalance.objects.get(warehouse=stocked, item__kode="paket-sembako").qty == 97
    assert StockBalance.objects.get(warehouse=stocked, item__kode="paket-modal-warung").qty == 1

    recipients = {r.member_id: r for r in event.recipients.all()}
    for m in people[:3]:
        hand(handayani, recipients[m.pk])
    hand(handayani, recipients[people[3].pk], received=False)
    event_close(actor=handayani, event=event)
    # The warung package that was not received went back to the warehouse.
    assert StockBalance.objects.get(warehouse=stocked, item__kode="paket-modal-warung").qty == 2

    recap = event_recap(event)
    assert (recap.recipients, recap.received, recap.not_received, recap.pending) == (4, 3, 1, 0)
    # 3 sembako at the average price paid (255,000) + 1 warung package (5,000,000)
    assert (recap.value, recap.value_received) == (5_765_000, 765_000)
    assert [(c["cluster"], c["n"]) for c in recap.by_cluster] == [
        ("lansia", 1),
        ("disabilitas", 1),
        ("anak", 1),
        ("lainnya", 1),
    ]
    assert [(i["kode"], i["qty"], i["value"]) for i in recap.by_item] == [
        ("paket-modal-warung", 1, 5_000_000),
        ("paket-sembako", 3, 765_000),
    ]

    path, digest = bast_write(event)
    assert len(digest) == 64
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert bast_pdf(event) == data  # identical input, identical document
    if POPPLER is None:
        pytest.skip("poppler-utils (pdftoppm, pdftotext) not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "BERITA ACARA SERAH TERIMA BANTUAN" in text
    assert "Penyaluran ATENSI Kota Metro" in text
    assert "16 April 2024" in text
    assert "Sri Amanto" in text
    assert "Rp5.765.000" in text
    assert "187201******0001" in text  # masked NIK
    assert people[0].nik not in text
    assert "tidak diterima" in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(path), str(tmp_path / "bast")], check=True
    )
    png = next(tmp_path.glob("bast*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5_000


def test_a_handover_sent_twice_is_recorded_once(programs, stocked, handayani, people):
    event = new_event(handayani, stocked)
    recipients_add(actor=handayani, event=event, rows=[sembako(people[0])])
    event_issue(actor=handayani, event=event)
    recipient = event.recipients.get()
    key = uuid.uuid4()
    first, created = hand(handayani, recipient, key=key)
    again, created_again = hand(handayani, recipient, key=key)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert Handover.objects.count() == 1
    with pytest.raises(HandoverConflict):
        hand(handayani, recipient, key=uuid.uuid4())
    assert Handover.objects.count() == 1


def test_an_event_cannot_issue_more_than_the_warehouse_holds(programs, stocked, handayani, people):
    event = new_event(handayani, stocked)
    recipients_add(
        actor=handayani,
        event=event,
        rows=[RecipientRow(nik=m.nik, items={"paket-modal-warung": 1}) for m in people[:3]],
    )
    with pytest.raises(SalurError, match="tidak cukup"):
        event_issue(actor=handayani, event=event)
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT
    assert StockBalance.objects.get(warehouse=stocked, item__kode="paket-modal-warung").qty == 2


def test_a_received_handover_needs_a_signature_or_thumbprint(programs, stocked, handayani, people):
    event = new_event(handayani, stocked)
    recipients_add(actor=handayani, event=event, rows=[sembako(people[0])])
    event_issue(actor=handayani, event=event)
    with pytest.raises(SalurError, match="tanda tangan atau cap jempol"):
        handover_record(
            actor=handayani,
            recipient=event.recipients.get(),
            data=HandoverData(client_key=uuid.uuid4(), received=True, mark=""),
        )
    assert Handover.objects.count() == 0


def test_the_batang_recap_of_342_recipients_with_parts_adding_to_341_is_flagged(
    programs, stocked, handayani, people
):
    event = new_event(
        handayani,
        stocked,
        laporan_jumlah_pm=342,
        laporan_nilai=311_310_000,
        laporan_kluster={"lansia": 227, "disabilitas": 101, "anak": 13},
    )
    checks = {c.code: c for c in event_checks(event)}
    assert checks["REKAP_KLUSTER_TIDAK_SAMA"].message == (
        "Rincian kluster yang dilaporkan (227 + 101 + 13 = 341) tidak sama dengan jumlah penerima yang "
        "dilaporkan (342); selisih 1"
    )
    assert checks["REKAP_JUMLAH_PM"].count == 342


def test_a_recap_that_adds_up_raises_no_recap_flag(programs, stocked, handayani, people):
    from salur.core.partitions import ensure_partition
    from salur.cycles.models import Cycle, Entitlement
    from salur.programs.models import Program

    event = new_event(
        handayani,
        stocked,
        laporan_jumlah_pm=2,
        laporan_nilai=510_000,
        laporan_kluster={"lansia": 1, "disabilitas": 1},
    )
    recipients_add(actor=handayani, event=event, rows=[sembako(people[0]), sembako(people[1])])
    program = Program.objects.get(code="ATENSI")
    cycle = Cycle.objects.create(
        code="ATENSI-2024-04",
        program=program,
        period="2024-04",
        program_version=program.versions.get(),
        created_by=handayani,
        snapshot_sha256="0" * 64,
    )
    ensure_partition("cycles_entitlement", cycle.pk, program_code="ATENSI", period="2024-04")
    for m in people[:2]:
        Entitlement.objects.create(
            cycle=cycle,
            household=m.household,
            program_code="ATENSI",
            period="2024-04",
            eligible=True,
            nominal=0,
            channel="POS",
            kode_wilayah=m.household.wilayah_id,
        )
    assert event_checks(event) == []


def test_recipients_not_enrolled_and_the_same_benefit_twice_are_flagged(programs, stocked, handayani, people):
    first = new_event(handayani, stocked)
    recipients_add(actor=handayani, event=first, rows=[sembako(people[0]), sembako(people[1])])
    second = new_event(handayani, stocked)
    recipients_add(actor=handayani, event=second, rows=[sembako(people[1]), sembako(people[2])])
    checks = {c.code: c for c in event_checks(second)}
    assert checks["TIDAK_TERDAFTAR"].count == 2
    assert checks["MENERIMA_DUA_KALI"].count == 1
    assert checks["MENERIMA_DUA_KALI"].examples == [people[1].nik[:6] + "******" + people[1].nik[12:]]
