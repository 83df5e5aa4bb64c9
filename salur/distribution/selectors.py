"""Reads of in-kind distribution, always for an actor and limited to its region scope.

Recaps and checks are computed in the database (aggregates over the event's rows), never person by person in
Python: an event of 342 recipients and one of 34,000 cost the same handful of queries.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from salur.core.access import scope_q
from salur.distribution.enrolled import enrolled_household_q
from salur.distribution.models import (
    DistributionEvent,
    EventItem,
    EventRecipient,
    EventStatus,
    Item,
    MoveKind,
    PackageComponent,
    StockBalance,
    StockMove,
    Warehouse,
)

CLUSTERS = {
    "lansia": "Lanjut usia",
    "disabilitas": "Penyandang disabilitas",
    "anak": "Anak",
    "lainnya": "Kelompok rentan lainnya",
}
# Age limits of the clusters (UU 13/1998: lansia from 60; UU 35/2014: anak below 18).
LANSIA_AGE = 60
ANAK_AGE = 18
# Same benefit twice: another event with the same item for the same person within this many days.
DUPLICATE_WINDOW_DAYS = 30


def markup_tolerance_pct() -> int:
    """How far the price paid may exceed the package content's catalogue value before a flag (percent)."""
    return int(
        os.environ.get("SALUR_MARKUP_TOLERANCE_PCT", getattr(settings, "SALUR_MARKUP_TOLERANCE_PCT", 10))
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def cluster_expression(on: dt.date, prefix: str = "member__") -> Case:
    """The recipient's cluster from the registry on a date: disabilitas first, then by age."""
    return Case(
        When(~Q(**{f"{prefix}disabilitas": "tidak"}), then=Value("disabilitas")),
        When(Q(**{f"{prefix}tanggal_lahir__lte": _years_before(on, LANSIA_AGE)}), then=Value("lansia")),
        When(Q(**{f"{prefix}tanggal_lahir__gt": _years_before(on, ANAK_AGE)}), then=Value("anak")),
        default=Value("lainnya"),
        output_field=CharField(),
    )


# --- catalogue and stock -------------------------------------------------------------------------------------


def items_all() -> QuerySet[Item]:
    return Item.objects.prefetch_related("components__component")


def package_content_values() -> dict[int, int]:
    """Catalogue value of each package's content: sum of component qty x component catalogue price."""
    rows = (
        PackageComponent.objects.values("package_id")
        .annotate(v=Sum(F("qty") * F("component__harga_satuan")))
        .order_by()
    )
    return {r["package_id"]: int(r["v"]) for r in rows}


def warehouses_visible(actor: Any) -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(scope_q(actor, "wilayah__kode")).select_related("unit")


def warehouse_get(*, actor: Any, pk: int) -> Warehouse | None:
    return warehouses_visible(actor).filter(pk=pk).first()


def stock_balances(warehouse: Warehouse) -> QuerySet[StockBalance]:
    return StockBalance.objects.filter(warehouse=warehouse).select_related("item").order_by("item__kode")


def stock_moves(warehouse: Warehouse, limit: int = 200) -> list[StockMove]:
    return list(
        StockMove.objects.filter(warehouse=warehouse)
        .select_related("item", "created_by", "event")
        .order_by("-tanggal", "-id")[:limit]
    )


@dataclass(frozen=True)
class ValuationRow:
    item_kode: str
    item_nama: str
    satuan: str
    qty: int
    avg_price: int
    value: int


def stock_valuation(warehouse: Warehouse, on: dt.date) -> list[ValuationRow]:
    """Stock on a date (sum of the ledger up to it) valued at the weighted average receipt price up to it
    (the catalogue price for an item never received)."""
    rows = (
        StockMove.objects.filter(warehouse=warehouse, tanggal__lte=on)
        .values("item_id", "item__kode", "item__nama", "item__satuan", "item__harga_satuan")
        .annotate(
            total=Sum("qty"),
            rq=Sum("qty", filter=Q(kind=MoveKind.RECEIPT)),
            rv=Sum(F("qty") * F("unit_price"), filter=Q(kind=MoveKind.RECEIPT)),
        )
        .order_by("item__kode")
    )
    out = []
    for r in rows:
        avg = (int(r["rv"]) + int(r["rq"]) // 2) // int(r["rq"]) if r["rq"] else int(r["item__harga_satuan"])
        out.append(
            ValuationRow(
                r["item__kode"],
                r["item__nama"],
                r["item__satuan"],
                int(r["total"]),
                avg,
                int(r["total"]) * avg,
            )
        )
    return out


@dataclass(frozen=True)
class MarkupFlag:
    kind: str  # "penerimaan" or "kegiatan"
    ref: str  # document number or event title
    object_id: int
    item_kode: str
    item_nama: str
    price_paid: int
    content_value: int
    excess_pct: float


def _excess(paid: int, content: int) -> float:
    return round((paid - content) * 100 / content, 1) if content else 0.0


def receipt_markup_flags(*, actor: Any, tolerance_pct: int | None = None) -> list[MarkupFlag]:
    """Receipts of packages whose price paid exceeds the content's catalogue value by more than the tolerance."""
    tol = markup_tolerance_pct() if tolerance_pct is None else tolerance_pct
    content = package_content_values()
    moves = (
        StockMove.objects.filter(scope_q(actor, "warehouse__wilayah__kode"))
        .filter(kind=MoveKind.RECEIPT, item_id__in=list(content))
        .select_related("item")
        .order_by("tanggal", "id")
    )
    # Integer test: paid * 100 > content * (100 + tol), no rounding surprises.
    return [
        MarkupFlag(
            "penerimaan",
            m.document_no,
            m.pk,
            m.item.kode,
            m.item.nama,
            m.unit_price,
            content[m.item_id],
            _excess(m.unit_price, content[m.item_id]),
        )
        for m in moves
        if m.unit_price * 100 > content[m.item_id] * (100 + tol)
    ]


def event_markup_flags(event: DistributionEvent, tolerance_pct: int | None = None) -> list[MarkupFlag]:
    tol = markup_tolerance_pct() if tolerance_pct is None else tolerance_pct
    content = package_content_values()
    rows = (
        EventItem.objects.filter(recipient__event=event, item_id__in=list(content))
        .values("item_id", "item__kode", "item__nama", "unit_price")
        .distinct()
        .order_by("item__kode", "unit_price")
    )
    return [
        MarkupFlag(
            "kegiatan",
            event.judul,
            event.pk,
            r["item__kode"],
            r["item__nama"],
            r["unit_price"],
            content[r["item_id"]],
            _excess(r["unit_price"], content[r["item_id"]]),
        )
        for r in rows
        if r["unit_price"] * 100 > content[r["item_id"]] * (100 + tol)
    ]


# --- events ------------------------------------------------------------------------------------------------------


def events_visible(actor: Any) -> QuerySet[DistributionEvent]:
    return (
        DistributionEvent.objects.filter(scope_q(actor, "wilayah__kode"))
        .select_related("organiser", "wilayah", "warehouse")
        .annotate(n_recipients=Count("recipients", distinct=True))
    )


def event_get(*, actor: Any, pk: int) -> DistributionEvent | None:
    return (
        DistributionEvent.objects.filter(scope_q(actor, "wilayah__kode"))
        .select_related("organiser", "wilayah", "warehouse", "created_by")
        .prefetch_related("programs")
        .filter(pk=pk)
        .first()
    )


def event_recipients(event: DistributionEvent) -> QuerySet[EventRecipient]:
    return (
        EventRecipient.objects.filter(event=event)
        .select_related("member", "handover", "case")
        .prefetch_related("items__item")
        .annotate(
            cluster=cluster_expression(event.tanggal), nilai=Sum(F("items__qty") * F("items__unit_price"))
        )
        .order_by("member__nama", "id")
    )


def recipient_get(*, actor: Any, event: DistributionEvent, recipient_id: int) -> EventRecipient | None:
    return (
        EventRecipient.objects.filter(event=event, pk=recipient_id).select_related("event", "member").first()
    )


@dataclass
class Recap:
    recipients: int
    received: int
    not_received: int
    pending: int
    value: int  # rupiah of all goods on the list
    value_received: int
    by_cluster: list[dict[str, Any]]
    by_item: list[dict[str, Any]]


def event_recap(event: DistributionEvent) -> Recap:
    base = EventRecipient.objects.filter(event=event)
    counts = base.aggregate(
        n=Count("id"),
        received=Count("id", filter=Q(handover__received=True)),
        not_received=Count("id", filter=Q(handover__received=False)),
        pending=Count("id", filter=Q(handover__isnull=True)),
    )
    items = EventItem.objects.filter(recipient__event=event)
    values = items.aggregate(
        v=Sum(F("qty") * F("unit_price")),
        vr=Sum(F("qty") * F("unit_price"), filter=Q(recipient__handover__received=True)),
    )
    cluster_counts: dict[str, int] = {
        r["cluster"]: int(r["n"])
        for r in base.annotate(cluster=cluster_expression(event.tanggal))
        .values("cluster")
        .annotate(n=Count("id"))
        .order_by()
    }
    cluster_values = {
        r["cluster"]: int(r["v"] or 0)
        for r in items.annotate(cluster=cluster_expression(event.tanggal, "recipient__member__"))
        .values("cluster")
        .annotate(v=Sum(F("qty") * F("unit_price")))
        .order_by()
    }
    by_cluster = [
        {
            "cluster": c,
            "label": label,
            "n": cluster_counts.get(c, 0),
            "value": cluster_values.get(c, 0),
        }
        for c, label in CLUSTERS.items()
    ]
    by_item = [
        {
            "kode": r["item__kode"],
            "nama": r["item__nama"],
            "satuan": r["item__satuan"],
            "qty": int(r["q"]),
            "recipients": r["n"],
            "value": int(r["v"]),
        }
        for r in items.values("item__kode", "item__nama", "item__satuan")
        .annotate(q=Sum("qty"), n=Count("recipient_id", distinct=True), v=Sum(F("qty") * F("unit_price")))
        .order_by("item__kode")
    ]
    return Recap(
        recipients=counts["n"],
        received=counts["received"],
        not_received=counts["not_received"],
        pending=counts["pending"],
        value=int(values["v"] or 0),
        value_received=int(values["vr"] or 0),
        by_cluster=by_cluster,
        by_item=by_item,
    )


@dataclass
class Check:
    code: str
    message: str
    count: int = 0
    examples: list[str] = field(default_factory=list)  # masked NIK of affected recipients


def _masked(niks: list[str]) -> list[str]:
    from salur.core.access import mask_nik

    return [mask_nik(n) for n in niks]


def event_checks(event: DistributionEvent, recap: Recap | None = None) -> list[Check]:
    """Consistency checks of an event: the published recap against its own parts and against the recipients,
    recipients not enrolled, the same benefit twice, and markup. An empty list means nothing to flag."""
    recap = recap or event_recap(event)
    checks: list[Check] = []
    reported_clusters = {k: int(v) for k, v in (event.laporan_kluster or {}).items()}
    if reported_clusters and event.laporan_jumlah_pm is not None:
        parts = sum(reported_clusters.values())
        if parts != event.laporan_jumlah_pm:
            detail = " + ".join(str(v) for v in reported_clusters.values())
            checks.append(
                Check(
                    "REKAP_KLUSTER_TIDAK_SAMA",
                    f"Rincian kluster yang dilaporkan ({detail} = {parts}) tidak sama dengan jumlah penerima "
                    f"yang dilaporkan ({event.laporan_jumlah_pm}); selisih {event.laporan_jumlah_pm - parts}",
                    abs(event.laporan_jumlah_pm - parts),
                )
            )
    counted = recap.received if event.status == EventStatus.CLOSED else recap.recipients
    if event.laporan_jumlah_pm is not None and event.laporan_jumlah_pm != counted:
        checks.append(
            Check(
                "REKAP_JUMLAH_PM",
                f"Jumlah penerima yang dilaporkan ({event.laporan_jumlah_pm}) tidak sama dengan penerima yang "
                f"tercatat ({counted})",
                abs(event.laporan_jumlah_pm - counted),
            )
        )
    value = recap.value_received if event.status == EventStatus.CLOSED else recap.value
    if event.laporan_nilai is not None and event.laporan_nilai != value:
        checks.append(
            Check(
                "REKAP_NILAI",
                f"Nilai yang dilaporkan (Rp{event.laporan_nilai:,}) tidak sama dengan nilai barang yang tercatat "
                f"(Rp{value:,})".replace(",", "."),
                abs(event.laporan_nilai - value),
            )
        )
    actual = {c["cluster"]: c["n"] for c in recap.by_cluster}
    for cluster, n in reported_clusters.items():
        if cluster in actual and actual[cluster] != n:
            checks.append(
                Check(
                    "REKAP_KLUSTER_REGISTRI",
                    f"Kluster {CLUSTERS.get(cluster, cluster)}: dilaporkan {n}, menurut registri {actual[cluster]}",
                    abs(actual[cluster] - n),
                )
            )
    program_codes = list(event.programs.values_list("code", flat=True))
    not_enrolled = (
        EventRecipient.objects.filter(event=event, case__isnull=True)
        .exclude(enrolled_household_q(program_codes, "member__household_id"))
        .values_list("member__nik", flat=True)
        .order_by("member__nik")
    )
    n_not = not_enrolled.count()
    if n_not:
        checks.append(
            Check(
                "TIDAK_TERDAFTAR",
                f"{n_not} penerima tidak terdaftar aktif di program kegiatan ini ({', '.join(program_codes)}) "
                "dan tidak memiliki rencana intervensi ATENSI",
                n_not,
                _masked(list(not_enrolled[:10])),
            )
        )
    window = dt.timedelta(days=DUPLICATE_WINDOW_DAYS)
    twice = (
        EventItem.objects.filter(recipient__event=event)
        .filter(
            Exists(
                EventItem.objects.filter(
                    recipient__member_id=OuterRef("recipient__member_id"),
                    item_id=OuterRef("item_id"),
                    recipient__event__tanggal__gte=event.tanggal - window,
                    recipient__event__tanggal__lte=event.tanggal + window,
                )
                .exclude(recipient__event=event)
                .exclude(recipient__handover__received=False)
            )
        )
        .values_list("recipient__member__nik", flat=True)
        .distinct()
        .order_by("recipient__member__nik")
    )
    n_twice = twice.count()
    if n_twice:
        checks.append(
            Check(
                "MENERIMA_DUA_KALI",
                f"{n_twice} penerima menerima barang yang sama pada kegiatan lain dalam {DUPLICATE_WINDOW_DAYS} "
                "hari sebelum atau sesudah kegiatan ini",
                n_twice,
                _masked(list(twice[:10])),
            )
        )
    for flag in event_markup_flags(event):
        checks.append(
            Check(
                "MARKUP",
                f"{flag.item_nama}: harga Rp{flag.price_paid:,} melebihi nilai isi paket Rp{flag.content_value:,} "
                f"sebesar {flag.excess_pct}% (toleransi {markup_tolerance_pct()}%)".replace(",", "."),
                1,
            )
        )
    return checks
