"""Demo step (salur demo): the item catalogue, a stock receipt at Sentra Handayani, and the ATENSI event of field
report 002: Kota Metro, 16 April 2024, 57 PM of the demo registry (56 sembako packages, 1 warung capital package),
handed over and closed, with its BAST PDF under var/bast/. Safe to run again: an existing event is reused."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction

EVENT_TITLE = "Penyaluran ATENSI Sentra Handayani di Kota Metro"
EVENT_DATE = dt.date(2024, 4, 16)


def run(users: dict[str, Any], log: Callable[[str], Any]) -> None:
    from salur.distribution.bast import bast_write
    from salur.distribution.catalogue import catalogue_load
    from salur.distribution.models import DistributionEvent, Item, StockMove
    from salur.distribution.services import (
        EventData,
        HandoverData,
        RecipientRow,
        event_close,
        event_create,
        event_issue,
        handover_record,
        recipients_add,
        stock_receive,
        warehouse_ensure,
    )
    from salur.programs.services import catalogue_load_defaults
    from salur.registry.models import Member

    admin, petugas = users.get("demo_admin"), users.get("sentra_handayani")
    if admin is None or petugas is None or petugas.unit is None:
        log("Penyaluran: pengguna demo Sentra Handayani tidak ada; dilewati.")
        return
    catalogue_load_defaults()
    catalogue_load(actor=admin)
    event = DistributionEvent.objects.filter(judul=EVENT_TITLE, tanggal=EVENT_DATE).first()
    if event is None:
        people = list(
            Member.objects.filter(household__wilayah__kode_kab="1872", hubungan="kepala_keluarga")
            .order_by("nik")
            .values_list("nik", flat=True)[:57]
        )
        if len(people) < 57:
            log("Penyaluran: registri demo Kota Metro kurang dari 57 kepala keluarga; dilewati.")
            return
        items = {i.kode: i for i in Item.objects.all()}
        with transaction.atomic():
            warehouse = warehouse_ensure(actor=petugas, unit=petugas.unit)
            if not StockMove.objects.filter(warehouse=warehouse, document_no="SJ/HDY/2024/031").exists():
                stock_receive(
                    actor=petugas,
                    warehouse=warehouse,
                    item=items["paket-sembako"],
                    qty=60,
                    unit_price=255_000,
                    supplier="CV Sembako Lampung",
                    document_no="SJ/HDY/2024/031",
                    tanggal=dt.date(2024, 4, 2),
                )
                stock_receive(
                    actor=petugas,
                    warehouse=warehouse,
                    item=items["paket-modal-warung"],
                    qty=1,
                    unit_price=5_000_000,
                    supplier="UD Warung Mandiri",
                    document_no="SJ/HDY/2024/032",
                    tanggal=dt.date(2024, 4, 3),
                )
            metro_desa = Member.objects.filter(nik=people[0]).values_list("household__wilayah_id", flat=True)[
                0
            ]
            event = event_create(
                actor=petugas,
                data=EventData(
                    judul=EVENT_TITLE,
                    organiser=petugas.unit,
                    warehouse=warehouse,
                    kode_wilayah=metro_desa,
                    tanggal=EVENT_DATE,
                    tempat="Kantor Dinas Sosial Kota Metro",
                    pejabat=[
                        {"nama": "Sri Amanto, SH., MH", "jabatan": "Kepala Dinas Sosial Kota Metro"},
                        {"nama": "Veriza, SH", "jabatan": "Kepala Seksi Rehabilitasi Sosial"},
                    ],
                    program_codes=["ATENSI"],
                    laporan_jumlah_pm=57,
                ),
            )
            rows = [RecipientRow(nik=n, items={"paket-sembako": 1}) for n in people[:56]]
            rows.append(RecipientRow(nik=people[56], items={"paket-modal-warung": 1}))
            result = recipients_add(actor=petugas, event=event, rows=rows)
            event_issue(actor=petugas, event=event)
            for r in event.recipients.select_related("event").order_by("id"):
                handover_record(
                    actor=petugas,
                    recipient=r,
                    data=HandoverData(
                        client_key=uuid.uuid5(uuid.NAMESPACE_URL, f"salur-demo-{r.pk}"),
                        received=True,
                        mark="cap_jempol" if r.pk % 3 == 0 else "tanda_tangan",
                    ),
                )
            event_close(actor=petugas, event=event)
        log(f"Penyaluran: kegiatan ATENSI Kota Metro dibuat ({result.added} PM).")
    path, digest = bast_write(event)
    log(
        f"Penyaluran: BAST kegiatan #{event.pk} di {path} (sha256 {digest[:12]}...), unduh di /penyaluran/kegiatan/{event.pk}/"
    )
