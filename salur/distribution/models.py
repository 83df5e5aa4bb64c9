"""In-kind distribution: the item catalogue, warehouses and their stock ledger, distribution events with their
recipients, items and handovers (the BAST).

Invariants live in the database:
- a warehouse's stock of an item never goes below zero: `StockBalance.qty >= 0` is a CHECK constraint, and every
  ledger row is written in the same transaction as a conditional update of the balance row (services.py), so two
  concurrent issues cannot both take the last units;
- a person appears once per event (`eventrecipient_once_per_event`) and is handed over once
  (`Handover.recipient` is one-to-one); a handover sent twice by an offline device carries the same client key
  (`Handover.client_key` unique), so a replay finds the first one instead of writing a second.
Money is integer rupiah.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class Item(models.Model):
    """A catalogue item. A package (paket sembako, paket modal usaha warung) lists its content as components."""

    kode = models.SlugField(max_length=40, unique=True)
    nama = models.CharField(max_length=120)
    satuan = models.CharField(max_length=20)  # kg, liter, bungkus, paket, unit, set
    harga_satuan = models.BigIntegerField("Harga katalog (Rp)")
    is_package = models.BooleanField("Paket", default=False)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["kode"]
        constraints = [
            models.CheckConstraint(condition=models.Q(harga_satuan__gte=0), name="item_price_gte_0")
        ]

    def __str__(self) -> str:
        return self.nama


class PackageComponent(models.Model):
    package = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="components")
    component = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()

    class Meta:
        ordering = ["package", "id"]
        constraints = [
            models.UniqueConstraint(fields=["package", "component"], name="packagecomponent_once"),
            models.CheckConstraint(condition=models.Q(qty__gt=0), name="packagecomponent_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.package_id}:{self.component_id}x{self.qty}"


class Warehouse(models.Model):
    """The store of a Sentra or a Dinsos office; its region (for scope) is the unit's home region."""

    kode = models.SlugField(max_length=60, unique=True)
    nama = models.CharField(max_length=200)
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="warehouses")
    wilayah = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["kode"]

    def __str__(self) -> str:
        return self.nama


class StockBalance(models.Model):
    """The running balance per (warehouse, item): the row every issue locks and decrements conditionally."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    qty = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["warehouse", "item"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], name="stockbalance_once"),
            # The stock of a warehouse can never go negative, whatever the code above it does.
            models.CheckConstraint(condition=models.Q(qty__gte=0), name="stockbalance_qty_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}:{self.item_id}={self.qty}"


class MoveKind(models.TextChoices):
    RECEIPT = "penerimaan", "Penerimaan dari pemasok"
    ISSUE = "pengeluaran", "Pengeluaran ke kegiatan"
    ADJUSTMENT = "penyesuaian", "Penyesuaian"


class StockMove(models.Model):
    """One line of the stock ledger. `qty` is signed: + receipt, - issue, either for an adjustment."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="moves")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=MoveKind.choices)
    tanggal = models.DateField()
    qty = models.BigIntegerField()
    # Receipts: the price paid per unit (markup control compares it with the package content's value).
    unit_price = models.BigIntegerField(default=0)
    supplier = models.CharField("Pemasok", max_length=200, blank=True, default="")
    document_no = models.CharField("Nomor dokumen pengiriman", max_length=100, blank=True, default="")
    reason = models.CharField("Alasan", max_length=300, blank=True, default="")
    event = models.ForeignKey(
        "distribution.DistributionEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moves",
    )
    balance_after = models.BigIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["tanggal", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(qty=0), name="stockmove_qty_nonzero"),
            models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="stockmove_balance_gte_0"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="stockmove_price_gte_0"),
            models.CheckConstraint(
                condition=~models.Q(kind="penerimaan") | models.Q(qty__gt=0),
                name="stockmove_receipt_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="pengeluaran") | models.Q(qty__lt=0), name="stockmove_issue_negative"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "item", "tanggal"], name="stockmove_wh_item_date")]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} {self.qty}"


class EventStatus(models.TextChoices):
    DRAFT = "draf", "Draf (daftar penerima disusun)"
    ISSUED = "dikeluarkan", "Barang dikeluarkan dari gudang"
    CLOSED = "selesai", "Selesai (BAST)"


class DistributionEvent(models.Model):
    """A handover event: organiser, place, date, officials present, programs, recipients and their items."""

    judul = models.CharField(max_length=200)
    organiser = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="events")
    wilayah = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+"
    )  # desa/kelurahan
    tempat = models.CharField("Tempat", max_length=200, blank=True, default="")
    tanggal = models.DateField()
    # [{"nama": ..., "jabatan": ...}]: the officials present, who sign the BAST.
    pejabat = models.JSONField(default=list)
    programs = models.ManyToManyField("programs.Program", related_name="+")
    status = models.CharField(max_length=12, choices=EventStatus.choices, default=EventStatus.DRAFT)
    # The recap as published (press release, report): checked against the recipients (selectors.event_checks).
    laporan_jumlah_pm = models.PositiveIntegerField(null=True, blank=True)
    laporan_nilai = models.BigIntegerField(null=True, blank=True)
    laporan_kluster = models.JSONField(default=dict, blank=True)  # {"lansia": 227, "disabilitas": 101, ...}
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-tanggal", "-id"]

    def __str__(self) -> str:
        return self.judul


class RecipientSource(models.TextChoices):
    ENROLMENT = "kepesertaan", "Peserta program"
    CASE = "kasus", "Rencana intervensi ATENSI"


class EventRecipient(models.Model):
    event = models.ForeignKey(DistributionEvent, on_delete=models.PROTECT, related_name="recipients")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=12, choices=RecipientSource.choices)
    case = models.ForeignKey(
        "atensi.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="event_recipients"
    )
    # The household's region when added (scope of the row), a copy so that scope filters need no join.
    kode_wilayah = models.CharField(max_length=10)

    class Meta:
        ordering = ["event", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="eventrecipient_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.member_id}"


class EventItem(models.Model):
    """Items for one recipient, valued at the price paid per unit (the warehouse's average receipt price)."""

    recipient = models.ForeignKey(EventRecipient, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    qty = models.PositiveIntegerField()
    unit_price = models.BigIntegerField()

    class Meta:
        ordering = ["recipient", "item"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "item"], name="eventitem_once"),
            models.CheckConstraint(condition=models.Q(qty__gt=0), name="eventitem_qty_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.item_id}x{self.qty}"


class MarkKind(models.TextChoices):
    SIGNATURE = "tanda_tangan", "Tanda tangan"
    THUMBPRINT = "cap_jempol", "Cap jempol"


class Handover(models.Model):
    """The handover to one recipient: received or not, signature or thumbprint, photo, optional geotag."""

    recipient = models.OneToOneField(EventRecipient, on_delete=models.PROTECT, related_name="handover")
    # Generated by the device that recorded it (UUID): an offline page that sends it again finds this row.
    client_key = models.UUIDField(unique=True)
    received = models.BooleanField()
    mark = models.CharField(max_length=14, choices=MarkKind.choices, blank=True, default="")
    signature = models.FileField(upload_to="distribution/tanda_tangan/", blank=True, default="")
    photo = models.FileField(upload_to="distribution/foto/", blank=True, default="")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    recorded_at = models.DateTimeField()  # when the field worker recorded it (device clock)
    synced_at = models.DateTimeField(db_default=Now())
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recipient"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(received=False) | ~models.Q(mark=""), name="handover_received_has_mark"
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="handover_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="handover_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}:{self.received}"
