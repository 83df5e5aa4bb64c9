"""Writes of in-kind distribution: catalogue, stock ledger, events, recipients, handovers.

Every write checks the capability and the region scope first, runs in one transaction and is audited.
Stock moves go through `_stock_move`, which updates the (warehouse, item) balance row with a conditional
UPDATE (`qty + delta >= 0`) in the same transaction as the ledger row: on PostgreSQL the row lock makes a second,
concurrent issue wait and then re-check the condition against the committed balance, so two issues can never
both take the last units; the CHECK constraint on the balance is the backstop.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from salur.core.access import require, require_in_scope
from salur.core.audit import audit_record
from salur.core.errors import PermissionDenied, SalurError
from salur.distribution.models import (
    DistributionEvent,
    EventItem,
    EventRecipient,
    EventStatus,
    Handover,
    Item,
    MarkKind,
    MoveKind,
    PackageComponent,
    RecipientSource,
    StockBalance,
    StockMove,
    Warehouse,
)


class InsufficientStock(SalurError):
    """An issue or adjustment would take the stock below zero."""


class HandoverConflict(SalurError):
    """The recipient's handover was already recorded with another client key."""


# --- catalogue -------------------------------------------------------------------------------------------------


def item_upsert(
    *,
    actor: Any,
    kode: str,
    nama: str,
    satuan: str,
    harga_satuan: int,
    components: list[tuple[str, int]] | None = None,
) -> Item:
    """Create or update a catalogue item; a package lists its components as (item kode, qty)."""
    require(actor, "stock.manage")
    if harga_satuan < 0:
        raise SalurError("Harga satuan tidak boleh negatif")
    with transaction.atomic():
        before = Item.objects.filter(kode=kode).values("nama", "satuan", "harga_satuan").first()
        item, _ = Item.objects.update_or_create(
            kode=kode,
            defaults={
                "nama": nama,
                "satuan": satuan,
                "harga_satuan": harga_satuan,
                "is_package": bool(components),
            },
        )
        if components:
            by_kode = {i.kode: i for i in Item.objects.filter(kode__in=[k for k, _ in components])}
            missing = sorted({k for k, _ in components} - set(by_kode))
            if missing:
                raise SalurError(f"Barang isi paket tidak dikenal: {', '.join(missing)}")
            if any(q <= 0 for _, q in components):
                raise SalurError("Jumlah isi paket harus lebih dari nol")
            PackageComponent.objects.filter(package=item).delete()
            PackageComponent.objects.bulk_create(
                [PackageComponent(package=item, component=by_kode[k], qty=q) for k, q in components]
            )
        after = {"nama": nama, "satuan": satuan, "harga_satuan": harga_satuan, "components": components or []}
        audit_record(
            actor=actor,
            action="distribution.item.upsert",
            object_type="distribution.item",
            object_id=kode,
            before=before,
            after=after,
        )
    return item


def warehouse_ensure(*, actor: Any, unit: Any, nama: str | None = None) -> Warehouse:
    """The warehouse of a Sentra or Dinsos unit (one per unit), created on first use."""
    require(actor, "stock.manage")
    if unit.wilayah_id is None:
        raise SalurError("Unit ini tidak memiliki wilayah; gudang tidak dapat dibuat")
    require_in_scope(actor, unit.wilayah_id)
    kode = f"gudang-{unit.kode}"[:60]
    existing = Warehouse.objects.filter(kode=kode).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        wh = Warehouse.objects.create(
            kode=kode, nama=nama or f"Gudang {unit.nama}", unit=unit, wilayah_id=unit.wilayah_id
        )
        audit_record(
            actor=actor,
            action="distribution.warehouse.create",
            object_type="distribution.warehouse",
            object_id=wh.kode,
            after={"unit": unit.kode, "wilayah": unit.wilayah_id},
        )
    return wh


# --- stock ledger ----------------------------------------------------------------------------------------------


def _stock_move(
    *,
    actor: Any,
    warehouse: Warehouse,
    item: Item,
    kind: str,
    qty: int,
    tanggal: dt.date,
    unit_price: int = 0,
    supplier: str = "",
    document_no: str = "",
    reason: str = "",
    event: DistributionEvent | None = None,
) -> StockMove:
    """The one place the balance changes: conditional update of the balance row, then the ledger row."""
    if qty == 0:
        raise SalurError("Jumlah tidak boleh nol")
    with transaction.atomic():
        StockBalance.objects.bulk_create(
            [StockBalance(warehouse=warehouse, item=item, qty=0)], ignore_conflicts=True
        )
        table = connection.ops.quote_name(StockBalance._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET qty = qty + %s WHERE warehouse_id = %s AND item_id = %s AND qty + %s >= 0 "
                "RETURNING qty",
                [qty, warehouse.pk, item.pk, qty],
            )
            row = cursor.fetchone()
        if row is None:
            have = StockBalance.objects.get(warehouse=warehouse, item=item).qty
            raise InsufficientStock(
                f"Stok {item.nama} di {warehouse.nama} tidak cukup: tersedia {have} {item.satuan}, "
                f"diminta {-qty} {item.satuan}"
            )
        move = StockMove.objects.create(
            warehouse=warehouse,
            item=item,
            kind=kind,
            tanggal=tanggal,
            qty=qty,
            unit_price=unit_price,
            supplier=supplier,
            document_no=document_no,
            reason=reason,
            event=event,
            balance_after=row[0],
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=f"distribution.stock.{kind}",
            object_type="distribution.stockmove",
            object_id=move.pk,
            before={"qty": row[0] - qty},
            after={"qty": row[0]},
            detail={
                "warehouse": warehouse.kode,
                "item": item.kode,
                "delta": qty,
                "unit_price": unit_price,
                "document_no": document_no,
                "reason": reason,
                "event": event.pk if event else None,
            },
        )
    return move


def _require_warehouse(actor: Any, warehouse: Warehouse) -> None:
    require(actor, "stock.manage")
    require_in_scope(actor, warehouse.wilayah_id)


def stock_receive(
    *,
    actor: Any,
    warehouse: Warehouse,
    item: Item,
    qty: int,
    unit_price: int,
    supplier: str,
    document_no: str,
    tanggal: dt.date,
) -> StockMove:
    """A delivery from a supplier, with its delivery document and the unit price paid."""
    _require_warehouse(actor, warehouse)
    if qty <= 0:
        raise SalurError("Jumlah penerimaan harus lebih dari nol")
    if unit_price < 0:
        raise SalurError("Harga satuan tidak boleh negatif")
    if not supplier.strip() or not document_no.strip():
        raise SalurError("Pemasok dan nomor dokumen pengiriman wajib diisi")
    return _stock_move(
        actor=actor,
        warehouse=warehouse,
        item=item,
        kind=MoveKind.RECEIPT,
        qty=qty,
        tanggal=tanggal,
        unit_price=unit_price,
        supplier=supplier.strip(),
        document_no=document_no.strip(),
    )


def stock_adjust(
    *, actor: Any, warehouse: Warehouse, item: Item, qty: int, reason: str, tanggal: dt.date
) -> StockMove:
    """A correction (count, damage, loss) with its reason; never below zero."""
    _require_warehouse(actor, warehouse)
    if not reason.strip():
        raise SalurError("Alasan penyesuaian wajib diisi")
    return _stock_move(
        actor=actor,
        warehouse=warehouse,
        item=item,
        kind=MoveKind.ADJUSTMENT,
        qty=qty,
        tanggal=tanggal,
        reason=reason.strip(),
    )


def stock_issue(
    *,
    actor: Any,
    warehouse: Warehouse,
    item: Item,
    qty: int,
    tanggal: dt.date,
    event: DistributionEvent | None,
) -> StockMove:
    _require_warehouse(actor, warehouse)
    if qty <= 0:
        raise SalurError("Jumlah pengeluaran harus lebih dari nol")
    return _stock_move(
        actor=actor,
        warehouse=warehouse,
        item=item,
        kind=MoveKind.ISSUE,
        qty=-qty,
        tanggal=tanggal,
        event=event,
    )


def average_receipt_price(warehouse: Warehouse, item: Item, on: dt.date) -> int:
    """Weighted average price paid for the item at this warehouse up to a date; the catalogue price without
    receipts. Rounded to whole rupiah."""
    agg = StockMove.objects.filter(
        warehouse=warehouse, item=item, kind=MoveKind.RECEIPT, tanggal__lte=on
    ).aggregate(q=Sum("qty"), v=Sum(F("qty") * F("unit_price")))
    if not agg["q"]:
        return item.harga_satuan
    return (int(agg["v"]) + int(agg["q"]) // 2) // int(agg["q"])  # half up, whole rupiah


# --- events ------------------------------------------------------------------------------------------------------


@dataclass
class EventData:
    judul: str
    organiser: Any  # accounts.Unit
    warehouse: Warehouse
    kode_wilayah: str  # desa code of the place
    tanggal: dt.date
    tempat: str = ""
    pejabat: list[dict[str, str]] = field(default_factory=list)
    program_codes: list[str] = field(default_factory=list)
    laporan_jumlah_pm: int | None = None
    laporan_nilai: int | None = None
    laporan_kluster: dict[str, int] = field(default_factory=dict)


def event_create(*, actor: Any, data: EventData) -> DistributionEvent:
    from salur.programs.models import Program
    from salur.regions.models import Region

    require(actor, "distribution.manage")
    require_in_scope(actor, data.kode_wilayah)
    region = Region.objects.filter(kode=data.kode_wilayah, level=4).first()
    if region is None:
        raise SalurError(f"Kode desa/kelurahan '{data.kode_wilayah}' tidak dikenal")
    require_in_scope(actor, data.warehouse.wilayah_id)
    if not data.judul.strip():
        raise SalurError("Judul kegiatan wajib diisi")
    programs = list(Program.objects.filter(code__in=data.program_codes))
    if not programs or len(programs) != len(set(data.program_codes)):
        raise SalurError("Pilih sedikitnya satu program yang dikenal")
    pejabat = [
        {"nama": str(p.get("nama", "")).strip(), "jabatan": str(p.get("jabatan", "")).strip()}
        for p in data.pejabat
        if str(p.get("nama", "")).strip()
    ]
    with transaction.atomic():
        event = DistributionEvent.objects.create(
            judul=data.judul.strip(),
            organiser=data.organiser,
            warehouse=data.warehouse,
            wilayah=region,
            tempat=data.tempat,
            tanggal=data.tanggal,
            pejabat=pejabat,
            laporan_jumlah_pm=data.laporan_jumlah_pm,
            laporan_nilai=data.laporan_nilai,
            laporan_kluster=data.laporan_kluster,
            created_by=actor,
        )
        event.programs.set(programs)
        audit_record(
            actor=actor,
            action="distribution.event.create",
            object_type="distribution.event",
            object_id=event.pk,
            after={
                "judul": event.judul,
                "organiser": data.organiser.kode,
                "warehouse": data.warehouse.kode,
                "wilayah": region.kode,
                "tanggal": data.tanggal,
                "programs": sorted(data.program_codes),
                "pejabat": pejabat,
            },
        )
    return event


@dataclass
class RecipientRow:
    nik: str
    items: dict[str, int]  # item kode -> qty
    case_id: int | None = None


@dataclass
class AddResult:
    added: int
    rejected: list[dict[str, Any]]  # {"baris", "nik", "alasan"}


def recipients_add(*, actor: Any, event: DistributionEvent, rows: list[RecipientRow]) -> AddResult:
    """Add registry people to a draft event with their items. Set-based: one query per kind of lookup.

    A row is rejected (with its reason, never lost) when the NIK is not in the registry, is outside the actor's
    region, appears twice, is already on the event, names an unknown item, or names an ATENSI case that is not
    this person's open case at the organiser. A person without a case is added from enrolment; one who is not
    enrolled is added too and flagged by the event checks (selectors.event_checks)."""
    from salur.atensi.models import Case
    from salur.core.access import in_scope
    from salur.registry.models import Member

    require(actor, "distribution.manage")
    require_in_scope(actor, event.wilayah_id)
    if event.status != EventStatus.DRAFT:
        raise SalurError("Daftar penerima hanya dapat diubah selama kegiatan masih draf")
    niks = {r.nik for r in rows}
    members = {
        m.nik: m
        for m in Member.objects.filter(nik__in=niks)
        .select_related("household")
        .only("id", "nik", "household__id", "household__wilayah_id")
    }
    already = set(EventRecipient.objects.filter(event=event).values_list("member__nik", flat=True))
    items = {i.kode: i for i in Item.objects.filter(kode__in={k for r in rows for k in r.items})}
    case_ids = {r.case_id for r in rows if r.case_id}
    cases = {
        c.pk: c for c in Case.objects.filter(pk__in=case_ids, unit=event.organiser).exclude(stage="terminasi")
    }
    prices = {
        kode: average_receipt_price(event.warehouse, item, event.tanggal) for kode, item in items.items()
    }
    rejected: list[dict[str, Any]] = []
    seen: set[str] = set()
    accepted: list[tuple[RecipientRow, Any]] = []
    for n, row in enumerate(rows, start=1):
        reason = ""
        member = members.get(row.nik)
        if member is None:
            reason = "NIK tidak ada di registri"
        elif not in_scope(actor, member.household.wilayah_id):
            reason = "NIK tidak ada di registri wilayah Anda"
        elif row.nik in seen:
            reason = "NIK ganda dalam daftar ini: satu orang hanya menerima sekali per kegiatan"
        elif row.nik in already:
            reason = "Orang ini sudah terdaftar sebagai penerima kegiatan ini"
        elif not row.items or any(q <= 0 for q in row.items.values()):
            reason = "Barang dan jumlahnya wajib diisi (lebih dari nol)"
        elif set(row.items) - set(items):
            reason = f"Barang tidak dikenal: {', '.join(sorted(set(row.items) - set(items)))}"
        elif row.case_id and (row.case_id not in cases or cases[row.case_id].member_id != member.pk):
            reason = "Kasus ATENSI tidak ditemukan untuk orang ini di unit penyelenggara"
        seen.add(row.nik)
        if reason:
            rejected.append({"baris": n, "nik": row.nik, "alasan": reason})
        else:
            accepted.append((row, member))
    with transaction.atomic():
        recipients = EventRecipient.objects.bulk_create(
            [
                EventRecipient(
                    event=event,
                    member=member,
                    source=RecipientSource.CASE if row.case_id else RecipientSource.ENROLMENT,
                    case_id=row.case_id,
                    kode_wilayah=member.household.wilayah_id,
                )
                for row, member in accepted
            ]
        )
        if recipients and recipients[0].pk is None:  # backends without RETURNING on bulk insert
            by_member = dict(EventRecipient.objects.filter(event=event).values_list("member_id", "id"))
            for r in recipients:
                r.pk = by_member[r.member_id]
        EventItem.objects.bulk_create(
            [
                EventItem(recipient=rec, item=items[kode], qty=qty, unit_price=prices[kode])
                for rec, (row, _) in zip(recipients, accepted, strict=True)
                for kode, qty in sorted(row.items.items())
            ]
        )
        audit_record(
            actor=actor,
            action="distribution.event.recipients_add",
            object_type="distribution.event",
            object_id=event.pk,
            after={"added": len(recipients), "rejected": len(rejected)},
            detail={"rejected": [{"baris": r["baris"], "alasan": r["alasan"]} for r in rejected]},
        )
    return AddResult(added=len(recipients), rejected=rejected)


def event_issue(*, actor: Any, event: DistributionEvent) -> list[StockMove]:
    """Take the event's goods out of its warehouse: one issue per item, all or nothing."""
    require(actor, "distribution.manage")
    require_in_scope(actor, event.wilayah_id)
    with transaction.atomic():
        locked = DistributionEvent.objects.select_for_update().get(pk=event.pk)
        if locked.status != EventStatus.DRAFT:
            raise SalurError("Barang kegiatan ini sudah dikeluarkan")
        totals = (
            EventItem.objects.filter(recipient__event=event)
            .values("item_id")
            .annotate(total=Sum("qty"))
            .order_by("item_id")  # locks taken in primary-key order
        )
        if not totals:
            raise SalurError("Kegiatan belum memiliki penerima")
        items = Item.objects.in_bulk([t["item_id"] for t in totals])
        moves = [
            stock_issue(
                actor=actor,
                warehouse=event.warehouse,
                item=items[t["item_id"]],
                qty=t["total"],
                tanggal=event.tanggal,
                event=event,
            )
            for t in totals
        ]
        DistributionEvent.objects.filter(pk=event.pk).update(status=EventStatus.ISSUED)
        audit_record(
            actor=actor,
            action="distribution.event.issue",
            object_type="distribution.event",
            object_id=event.pk,
            before={"status": EventStatus.DRAFT},
            after={"status": EventStatus.ISSUED},
            detail={"items": {items[t["item_id"]].kode: t["total"] for t in totals}},
        )
    event.status = EventStatus.ISSUED
    return moves


@dataclass
class HandoverData:
    client_key: uuid.UUID
    received: bool
    mark: str = ""
    signature_png: bytes | None = None
    photo: Any = None  # an uploaded file (name + read()) or None
    photo_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    note: str = ""
    recorded_at: dt.datetime | None = None


def handover_record(*, actor: Any, recipient: EventRecipient, data: HandoverData) -> tuple[Handover, bool]:
    """Record the handover to one recipient; (handover, created). Idempotent on the client key: the same
    handover sent again (an offline device syncing twice) returns the first one and writes nothing."""
    require(actor, "distribution.handover")
    require_in_scope(actor, recipient.event.wilayah_id)
    existing = Handover.objects.filter(client_key=data.client_key).first()
    if existing is not None:
        if existing.recipient_id != recipient.pk:
            raise HandoverConflict("Kunci serah terima ini sudah dipakai untuk penerima lain")
        return existing, False
    if recipient.event.status != EventStatus.ISSUED:
        raise SalurError(
            "Serah terima hanya dapat dicatat setelah barang dikeluarkan dan sebelum kegiatan ditutup"
        )
    if data.received and data.mark not in MarkKind.values:
        raise SalurError("Penerimaan wajib disertai tanda tangan atau cap jempol")
    for value, low, high, label in (
        (data.latitude, -90, 90, "Lintang"),
        (data.longitude, -180, 180, "Bujur"),
    ):
        if value is not None and not low <= value <= high:
            raise SalurError(f"{label} di luar rentang")
    handover = Handover(
        recipient=recipient,
        client_key=data.client_key,
        received=data.received,
        mark=data.mark if data.received else "",
        latitude=round(data.latitude, 6) if data.latitude is not None else None,
        longitude=round(data.longitude, 6) if data.longitude is not None else None,
        note=data.note[:300],
        recorded_at=data.recorded_at or timezone.now(),
        recorded_by=actor,
    )
    if data.signature_png:
        handover.signature.save(f"{data.client_key}.png", ContentFile(data.signature_png), save=False)
    if data.photo is not None:
        suffix = (data.photo_name or getattr(data.photo, "name", "") or "foto.jpg").rsplit(".", 1)[-1].lower()
        if suffix not in {"jpg", "jpeg", "png", "webp"}:
            raise SalurError("Foto harus berformat JPG, PNG atau WEBP")
        handover.photo.save(f"{data.client_key}.{suffix}", ContentFile(data.photo.read()), save=False)
    try:
        with transaction.atomic():
            handover.save()
            audit_record(
                actor=actor,
                action="distribution.handover.record",
                object_type="distribution.handover",
                object_id=handover.pk,
                after={
                    "event": recipient.event_id,
                    "recipient": recipient.pk,
                    "received": handover.received,
                    "mark": handover.mark,
                    "geotag": handover.latitude is not None,
                    "photo": bool(handover.photo),
                },
            )
    except IntegrityError:
        # A concurrent sync of the same key, or another key for a recipient already handed over.
        again = Handover.objects.filter(client_key=data.client_key).first()
        if again is not None:
            return again, False
        raise HandoverConflict("Serah terima penerima ini sudah dicatat sebelumnya") from None
    return handover, True


def event_close(*, actor: Any, event: DistributionEvent) -> DistributionEvent:
    """Close the event: every recipient has a handover record; goods not received go back to the warehouse."""
    require(actor, "distribution.manage")
    require_in_scope(actor, event.wilayah_id)
    with transaction.atomic():
        locked = DistributionEvent.objects.select_for_update().get(pk=event.pk)
        if locked.status != EventStatus.ISSUED:
            raise SalurError("Hanya kegiatan yang barangnya sudah dikeluarkan yang dapat ditutup")
        open_count = EventRecipient.objects.filter(event=event, handover__isnull=True).count()
        if open_count:
            raise SalurError(f"Masih ada {open_count} penerima tanpa catatan serah terima")
        returns = (
            EventItem.objects.filter(recipient__event=event, recipient__handover__received=False)
            .values("item_id")
            .annotate(total=Sum("qty"))
            .order_by("item_id")
        )
        items = Item.objects.in_bulk([r["item_id"] for r in returns])
        for r in returns:
            _stock_move(
                actor=actor,
                warehouse=event.warehouse,
                item=items[r["item_id"]],
                kind=MoveKind.ADJUSTMENT,
                qty=r["total"],
                tanggal=event.tanggal,
                reason=f"Kembali ke gudang: tidak diterima pada kegiatan #{event.pk}",
                event=event,
            )
        DistributionEvent.objects.filter(pk=event.pk).update(status=EventStatus.CLOSED)
        audit_record(
            actor=actor,
            action="distribution.event.close",
            object_type="distribution.event",
            object_id=event.pk,
            before={"status": EventStatus.ISSUED},
            after={"status": EventStatus.CLOSED},
        )
    event.status = EventStatus.CLOSED
    return event


def require_event_in_scope(actor: Any, event: DistributionEvent) -> None:
    from salur.core.access import in_scope

    if not in_scope(actor, event.wilayah_id):
        raise PermissionDenied("Kegiatan ini di luar wilayah kerja Anda")
