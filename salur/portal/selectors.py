"""The public lookup ("cek bansos"): who is registered and receives what, told without giving the registry away.

Rules (issue 8): a query must be specific (a NIK, or a desa and at least three letters of a name); at most
`RESULT_CAP` people come back, and a query that matches more returns none of them ("tulis nama lebih lengkap"),
so the registry cannot be listed page by page; names are masked (`mask_name`); the answer holds programs, status
and the last tahap paid, nothing more (no NIK, no KK number, no address); the NIK is never echoed back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.core import signing
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from salur.core.access import mask_name
from salur.cycles.models import Entitlement
from salur.regions.models import Level, Region, undotted
from salur.registry.models import Household, Member

RESULT_CAP = 10
NAME_MIN_LETTERS = 3
SANGGAH_TOKEN_SALT = "salur.portal.sanggah"  # noqa: S105 (a signing namespace, not a secret)
SANGGAH_TOKEN_MAX_AGE = 3600  # seconds: a dispute is filed from a fresh search

ENROLMENT_STATUS_LABELS = {
    "calon": "Calon penerima",
    "aktif": "Penerima aktif",
    "ditangguhkan": "Ditangguhkan",
    "keluar": "Tidak lagi menerima",
}
PAYMENT_STATUS_LABELS = {"dibayar": "sudah disalurkan", "paid": "sudah disalurkan"}


class LookupRefused(Exception):
    """The query is not specific enough; the message says what to add (Indonesian)."""


@dataclass
class ProgramLine:
    program: str
    status: str
    last_period: str = ""
    last_paid: str = ""


@dataclass
class LookupRow:
    masked_name: str
    desa: str
    programs: list[ProgramLine] = field(default_factory=list)
    sanggah_token: str = ""


@dataclass
class LookupResult:
    rows: list[LookupRow]
    too_many: bool = False


NIK_RE = re.compile(r"^\d{16}$")


def clean_name(nama: str) -> str:
    name = " ".join((nama or "").split())
    if sum(ch.isalpha() for ch in name) < 2:
        raise LookupRefused(f"Tulis paling sedikit {NAME_MIN_LETTERS} huruf nama")
    if len(name) > 100:
        raise LookupRefused("Nama terlalu panjang")
    return name


def lookup_by_nik(*, nik: str) -> LookupResult:
    nik = (nik or "").strip()
    if not NIK_RE.match(nik):
        raise LookupRefused("NIK harus tepat 16 angka")
    members: list[dict[str, Any]] = [
        dict(m)
        for m in Member.objects.filter(nik=nik).values("household_id", "nama", "household__wilayah__nama")[:1]
    ]
    return _result(members)


def lookup_by_name(*, kode_desa: str, nama: str) -> LookupResult:
    code = undotted(kode_desa or "")
    if len(code) != 10 or code not in {c for c, _ in region_choices(code[:6])}:
        raise LookupRefused("Pilih provinsi, kabupaten/kota, kecamatan dan desa/kelurahan")
    name = clean_name(nama)
    # Two indexed steps (the desa's households, then their members) rather than one join: the join's plan
    # depends on table statistics, and with stale ones (right after a large import) PostgreSQL scans every member.
    household_ids = list(Household.objects.filter(wilayah_id=code).order_by().values_list("id", flat=True))
    if not household_ids:
        return LookupResult(rows=[])
    desa = dict(region_choices(code[:6]))[code]
    members = [
        {**m, "household__wilayah__nama": desa}
        for m in Member.objects.filter(household_id__in=household_ids, **_name_match(name))
        .order_by("nama", "id")
        .values("household_id", "nama")[: RESULT_CAP + 1]
    ]
    if len(members) > RESULT_CAP:
        return LookupResult(rows=[], too_many=True)
    return _result(members)


def _name_match(name: str) -> dict[str, str]:
    """Part of the name from three letters on; a shorter name (there are people called "Ai") only as a whole."""
    if sum(ch.isalpha() for ch in name) < NAME_MIN_LETTERS:
        return {"nama__iexact": name}
    return {"nama__icontains": name}


def sanggah_token(household_id: int) -> str:
    return signing.dumps(household_id, salt=SANGGAH_TOKEN_SALT, compress=True)


def household_for_sanggah_token(token: str) -> Any:
    """The household a fresh lookup result pointed at, or None (expired or forged token)."""
    try:
        household_id = signing.loads(token or "", salt=SANGGAH_TOKEN_SALT, max_age=SANGGAH_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return Household.objects.filter(pk=household_id).select_related("wilayah").first()


def _result(members: list[dict[str, Any]]) -> LookupResult:
    household_ids = sorted({m["household_id"] for m in members})
    programs = programs_by_household(household_ids)
    rows = []
    for m in members:
        lines = programs.get(m["household_id"], [])
        rows.append(
            LookupRow(
                masked_name=mask_name(m["nama"]),
                desa=m["household__wilayah__nama"],
                programs=lines,
                sanggah_token=sanggah_token(m["household_id"]) if lines else "",
            )
        )
    return LookupResult(rows=rows)


def programs_by_household(household_ids: list[int]) -> dict[int, list[ProgramLine]]:
    """Programs of each household: enrolment status where enrolment records exist, else the entitlements of its
    latest cycle per program; plus the last tahap paid when the payments module answers it. Three queries."""
    if not household_ids:
        return {}
    lines: dict[int, dict[str, ProgramLine]] = {hid: {} for hid in household_ids}
    latest: dict[tuple[int, str], str] = {}
    for row in (
        Entitlement.objects.filter(household_id__in=household_ids, eligible=True)
        .values("household_id", "program_code", "period")
        .order_by()
    ):
        key = (row["household_id"], row["program_code"])
        if row["period"] > latest.get(key, ""):
            latest[key] = row["period"]
    for (hid, program), period in latest.items():
        lines[hid][program] = ProgramLine(program=program, status="Penerima", last_period=period)
    enrolment = _enrolment_model()
    if enrolment is not None:
        for row in enrolment.objects.filter(household_id__in=household_ids).values(
            "household_id", "program__code", "status"
        ):
            line = lines[row["household_id"]].setdefault(
                row["program__code"], ProgramLine(program=row["program__code"], status="")
            )
            line.status = ENROLMENT_STATUS_LABELS.get(row["status"], row["status"])
    # A payment exists only for an entitlement: households without one are not asked about (most of them).
    paid = _last_paid(sorted({hid for hid, _ in latest}))
    for hid, info in paid.items():
        program = str(info.get("program", ""))
        if not program or hid not in lines:
            continue
        line = lines[hid].setdefault(program, ProgramLine(program=program, status="Penerima"))
        line.last_paid = str(info.get("period", ""))
    return {hid: sorted(d.values(), key=lambda x: x.program) for hid, d in lines.items() if d}


def _enrolment_model() -> Any:
    try:
        return apps.get_model("enrolment", "Enrolment")
    except LookupError:
        return None


def _last_paid(household_ids: list[int]) -> dict[int, dict[str, Any]]:
    """salur.payments.selectors.last_paid_by_household when the payments module provides it, else nothing."""
    if not household_ids:
        return {}
    try:
        from salur.payments.selectors import last_paid_by_household
    except ImportError:
        return {}
    return dict(last_paid_by_household(household_ids))


@lru_cache(maxsize=4096)
def region_choices(parent: str | None) -> list[tuple[str, str]]:
    """Children of a region, by name (the pickers). The region tree is reference data that changes only with
    `salur setup` (a new Kemendagri list): kept in memory per process, a few thousand small lists at most."""
    qs = Region.objects.filter(level=Level.PROVINSI) if not parent else Region.objects.filter(induk_id=parent)
    return list(qs.order_by("nama").values_list("kode", "nama"))


@lru_cache(maxsize=4096)
def _escaped_choices(parent: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((str(escape(k)), str(escape(n))) for k, n in region_choices(parent))


def region_options_html(parent: str | None, selected: str) -> SafeString:
    """The <option> list of a region picker, built in Python: the page renders four lists of up to a few hundred
    entries on every lookup, and a template loop over them costs more than the lookup itself."""
    return mark_safe(  # noqa: S308 (every value escaped above)
        "".join(
            f'<option value="{k}" selected>{n}</option>'
            if k == selected
            else f'<option value="{k}">{n}</option>'
            for k, n in _escaped_choices(parent)
        )
    )
