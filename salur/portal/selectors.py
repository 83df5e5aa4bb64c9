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
from django.db import connection
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
    h, m = Household._meta, Member._meta
    rows = _fetch(
        f"SELECT m.household_id, m.nama, h.{_col(Household, 'wilayah')} FROM {m.db_table} m"
        f" JOIN {h.db_table} h ON h.id = m.household_id WHERE m.nik = %s",
        [nik],
    )
    names = region_tree().names
    members = [
        {"household_id": hid, "nama": nama, "desa": names.get(kode, "")} for hid, nama, kode in rows[:1]
    ]
    return _result(members)


def lookup_by_name(*, kode_desa: str, nama: str) -> LookupResult:
    code = undotted(kode_desa or "")
    tree = region_tree()
    if len(code) != 10 or not tree.has(code, code[:6]):
        raise LookupRefused("Pilih provinsi, kabupaten/kota, kecamatan dan desa/kelurahan")
    name = clean_name(nama)
    # Two indexed steps (the desa's households, then their members) rather than one join: the join's plan
    # depends on table statistics, and with stale ones (right after a large import) PostgreSQL scans every member.
    household_ids = [
        hid
        for (hid,) in _fetch(
            f"SELECT id FROM {Household._meta.db_table} WHERE {_col(Household, 'wilayah')} = %s", [code]
        )
    ]
    if not household_ids:
        return LookupResult(rows=[])
    desa = tree.names[code]
    match, param = _name_match(name)
    marks = ", ".join(["%s"] * len(household_ids))
    members = [
        {"household_id": hid, "nama": nama, "desa": desa}
        for hid, nama in _fetch(
            f"SELECT household_id, nama FROM {Member._meta.db_table}"
            f" WHERE household_id IN ({marks}) AND {match} ORDER BY nama, id LIMIT %s",
            [*household_ids, param, RESULT_CAP + 1],
        )
    ]
    if len(members) > RESULT_CAP:
        return LookupResult(rows=[], too_many=True)
    return _result(members)


def _name_match(name: str) -> tuple[str, str]:
    """Part of the name from three letters on; a shorter name (there are people called "Ai") only as a whole.

    The condition and its parameter as Django writes `nama__icontains` / `nama__iexact` for this database
    (case-insensitive; `%`, `_` and backslash in the name match themselves)."""
    lookup = "iexact" if sum(ch.isalpha() for ch in name) < NAME_MIN_LETTERS else "icontains"
    ops = connection.ops
    lhs = ops.lookup_cast(lookup, "CharField") % "nama"
    exact = lookup == "iexact"
    param = ops.prep_for_iexact_query(name) if exact else f"%{ops.prep_for_like_query(name)}%"
    operator = connection.operators[lookup]  # type: ignore[attr-defined]  # every backend has it
    return f"{lhs} {operator % '%s'}", param


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
                desa=m["desa"],
                programs=lines,
                sanggah_token=sanggah_token(m["household_id"]) if lines else "",
            )
        )
    return LookupResult(rows=rows)


def programs_by_household(household_ids: list[int]) -> dict[int, list[ProgramLine]]:
    """Programs of each household: enrolment status where enrolment records exist, else the entitlements of its
    latest cycle per program; plus the last tahap paid when the payments module answers it. Three queries, in
    SQL: the lookup is the hottest path under load, and building each query through the ORM cost more CPU than
    running it."""
    if not household_ids:
        return {}
    lines: dict[int, dict[str, ProgramLine]] = {hid: {} for hid in household_ids}
    latest: dict[tuple[int, str], str] = {}
    marks = ", ".join(["%s"] * len(household_ids))
    for hid, program, period in _fetch(
        f"SELECT household_id, program_code, period FROM {Entitlement._meta.db_table}"
        f" WHERE household_id IN ({marks}) AND eligible = %s",
        [*household_ids, True],
    ):
        key = (hid, program)
        if period > latest.get(key, ""):
            latest[key] = period
    for (hid, program), period in latest.items():
        lines[hid][program] = ProgramLine(program=program, status="Penerima", last_period=period)
    enrolment = _enrolment_model()
    if enrolment is not None:
        program_model = enrolment._meta.get_field("program").related_model
        for hid, program, status in _fetch(
            f"SELECT e.household_id, p.code, e.status FROM {enrolment._meta.db_table} e"
            f" JOIN {program_model._meta.db_table} p ON p.id = e.{_col(enrolment, 'program')}"
            f" WHERE e.household_id IN ({marks})",
            household_ids,
        ):
            line = lines[hid].setdefault(program, ProgramLine(program=program, status=""))
            line.status = ENROLMENT_STATUS_LABELS.get(status, status)
    # A payment exists only for an entitlement: households without one are not asked about (most of them).
    paid = _last_paid(sorted({hid for hid, _ in latest}))
    for hid, info in paid.items():
        program = str(info.get("program", ""))
        if not program or hid not in lines:
            continue
        line = lines[hid].setdefault(program, ProgramLine(program=program, status="Penerima"))
        line.last_paid = str(info.get("period", ""))
    return {hid: sorted(d.values(), key=lambda x: x.program) for hid, d in lines.items() if d}


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _col(model: Any, field: str) -> str:
    return str(model._meta.get_field(field).column)


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


CODE_LENGTHS = (
    2,
    4,
    6,
    10,
)  # provinsi, kabupaten/kota, kecamatan, desa/kelurahan: a child's code extends its parent's


@dataclass(frozen=True)
class RegionTree:
    """The whole region tree in memory: children of each region by name ("" = the provinsi) and every name."""

    children: dict[str, tuple[tuple[str, str], ...]]
    names: dict[str, str]

    def has(self, code: str, parent: str | None) -> bool:
        """`code` is a child of `parent` (None: a provinsi)."""
        parent = parent or ""
        return (
            code in self.names
            and len(code) in CODE_LENGTHS
            and code.startswith(parent)
            and CODE_LENGTHS.index(len(code)) == (CODE_LENGTHS.index(len(parent)) + 1 if parent else 0)
        )


_TREE: RegionTree | None = None


def region_tree() -> RegionTree:
    """The region tree, read once per process (one query, 91,599 rows, a few MB).

    The tree is reference data that changes only with `salur setup` (a new Kemendagri list; restart the server
    after it). A citizen may live in any of 83,000 desa, so caching list by list missed almost every time under
    load: each lookup paid two or three extra queries for its pickers. An empty table is not remembered.
    """
    global _TREE  # a per-process cache of reference data
    if _TREE is not None:
        return _TREE
    children: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for kode, nama, induk, level in Region.objects.order_by("nama", "kode").values_list(
        "kode", "nama", "induk_id", "level"
    ):
        children.setdefault("" if level == Level.PROVINSI else induk or "", []).append((kode, nama))
        names[kode] = nama
    tree = RegionTree(children={k: tuple(v) for k, v in children.items()}, names=names)
    if names:
        _TREE = tree
        _options_html.cache_clear()
    return tree


def region_choices(parent: str | None) -> tuple[tuple[str, str], ...]:
    """Children of a region, by name (the pickers); the provinsi for None."""
    return region_tree().children.get(parent or "", ())


@lru_cache(maxsize=16384)
def _options_html(parent: str) -> str:
    return "".join(f'<option value="{escape(k)}">{escape(n)}</option>' for k, n in region_choices(parent))


def region_options_html(parent: str | None, selected: str) -> SafeString:
    """The <option> list of a region picker, built in Python once per list: the page renders four lists of up to
    a few hundred entries on every lookup, and a template loop over them costs more than the lookup itself."""
    html = _options_html(parent or "")
    if selected and region_tree().has(selected, parent):
        needle = f'<option value="{escape(selected)}">'
        html = html.replace(needle, needle[:-1] + " selected>", 1)
    return mark_safe(html)  # noqa: S308 (every value escaped above)
