"""Eligibility and entitlement of a program cycle, computed set-based over the whole registry.

Contract: programs-and-payments.md (reference date and ages, exclusions and decision reasons, PKH components and
selection, recipient, Sembako, channels). Pure Python + Polars: no Django, no database. The caller hands in the
registry as frames and the reference lists as nik sets; the answer is three things:

* ``decisions``: one row per household: ``household_id, no_kk, kode_wilayah, eligible, reasons (list[str]),
  nominal (Int64 rupiah; 0 when not eligible), channel, bank, no_rekening, nik_penerima, nama_penerima``.
* ``components`` (PKH-like programs): one row per (household, member, component) taken for an eligible
  household: ``household_id, no_kk, nik, component, per_period (Int64 rupiah)``.
* ``summary``: ``{"eligible": n, "total": rupiah, "not_eligible": {REASON: households}}``.

Every step is a whole-frame operation; nothing loops over households or members in Python. The PKH selection
walk (contract steps 1-4) is sequential per household by definition; it is computed in at most ``max_members``
*rounds* over all households at once (see `select_components`).

Choices where the contract leaves room (the golden example of the contracts is consistent with each of them):

* Dead members (on the kematian list) are absent for everything: they have no components, are never the
  recipient, do not count as living members, and do not exclude the household either, whether they are on the
  ASN/TNI-Polri lists or declare pekerjaan asn/tni/polri ("members on the death list count as absent").
* Every reason that applies is recorded, independently of the others, except that TANPA_DESIL (no desil) and
  DESIL_DI_ATAS_BATAS exclude each other, and TANPA_KOMPONEN needs at least one living member (a household
  without one gets TANPA_ANGGOTA_HIDUP instead). So a household above the desil limit whose living members have
  no component is counted under both DESIL_DI_ATAS_BATAS and TANPA_KOMPONEN (the golden PKH summary's 77
  TANPA_KOMPONEN households include households above the limit).
* A household without any member row has no living member: TANPA_ANGGOTA_HIDUP.
* Ages are completed years at the reference date; a person born on 29 February has a birthday on 1 March in
  other years. A member born after the reference date has a negative age and so no age-bound component.
* "Oldest" means the earliest tanggal_lahir, ties broken by nik ascending. Where a household holds several
  living female pasangan, or several living kepala_keluarga (the registry flags that, KEPALA_KELUARGA, but
  stores it), the one that comes first in `members` is taken: the registry's order (file row, database id).
  The golden example settles this: household 5208030902057676 has two heads, the younger (and higher nik)
  listed first, and both expected payment files name her.
* The channel is the household's bank only when both bank and no_rekening are filled in; otherwise POS, and the
  decision's bank and no_rekening are then empty strings.
* Non-eligible households get nominal 0 and no component rows; their recipient is still computed (or null
  when they have no living member), so that a clerk can see who would receive.
* nik strings on the reference lists that are not exactly 16 digits are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from salur.programs import rules

# --- decision reasons (contract: exclusions and decision reasons) ---------------------------------------

DESIL_DI_ATAS_BATAS = "DESIL_DI_ATAS_BATAS"
ANGGOTA_ASN = "ANGGOTA_ASN"
ANGGOTA_TNI_POLRI = "ANGGOTA_TNI_POLRI"
TANPA_ANGGOTA_HIDUP = "TANPA_ANGGOTA_HIDUP"
TANPA_KOMPONEN = "TANPA_KOMPONEN"
TANPA_DESIL = "TANPA_DESIL"
# Not in the contract's table: a condition of an administrator's own eligibility rule (programs/rules.py) that the
# household does not meet, or a benefit formula that gives no amount for it (docs/programs.md).
ATURAN_PROGRAM = "ATURAN_PROGRAM"
REASONS = (
    DESIL_DI_ATAS_BATAS,
    ANGGOTA_ASN,
    ANGGOTA_TNI_POLRI,
    TANPA_ANGGOTA_HIDUP,
    TANPA_KOMPONEN,
    TANPA_DESIL,
)  # the contract's codes
ALL_REASONS = (*REASONS, ATURAN_PROGRAM)

POS = "POS"
BANKS = ("BRI", "BNI", "MANDIRI", "BSI", "BTN")

# Recipient rules, tried in order (contract: recipient / pengurus).
PASANGAN_PEREMPUAN = "pasangan_perempuan"  # a living female pasangan of the head
KEPALA_KELUARGA = "kepala_keluarga"  # a living kepala_keluarga
TERTUA = "tertua"  # the oldest living member
RECIPIENT_RULES = (PASANGAN_PEREMPUAN, KEPALA_KELUARGA, TERTUA)

NIK_RE = r"^\d{16}$"

# --- periods ---------------------------------------------------------------------------------------------

PeriodKind = Literal["tahap", "bulan"]
_TAHAP_RE = re.compile(r"^(\d{4})-T(\d)$")
_BULAN_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A payment period: a tahap (quarter) or a month. The reference date is its first day."""

    code: str  # "2024-T2" or "2024-05"
    kind: PeriodKind
    year: int
    number: int  # tahap 1-4 or month 1-12
    reference_date: dt.date
    months: int  # 3 for a tahap, 1 for a month


def parse_period(text: str) -> Period:
    """`YYYY-T1`..`YYYY-T4` (tahap; tahap 1 = January-March) or `YYYY-MM` (month)."""
    if not isinstance(text, str):
        raise ValueError(f"Periode harus berupa teks, bukan {type(text).__name__}")
    s = text.strip()
    hint = "tulis TTTT-T1 sampai TTTT-T4 untuk tahap atau TTTT-BB untuk bulan, misalnya 2024-T2 atau 2024-05"
    if m := _TAHAP_RE.match(s):
        year, tahap = int(m.group(1)), int(m.group(2))
        if not 1 <= tahap <= 4:
            raise ValueError(f"Periode {text!r} tidak sah: tahap harus 1 sampai 4; {hint}")
        _check_year(year, text, hint)
        return Period(f"{year:04d}-T{tahap}", "tahap", year, tahap, dt.date(year, 3 * tahap - 2, 1), 3)
    if m := _BULAN_RE.match(s):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"Periode {text!r} tidak sah: bulan harus 01 sampai 12; {hint}")
        _check_year(year, text, hint)
        return Period(f"{year:04d}-{month:02d}", "bulan", year, month, dt.date(year, month, 1), 1)
    raise ValueError(f"Periode {text!r} tidak dikenal; {hint}")


def _check_year(year: int, text: str, hint: str) -> None:
    if year < 1900:
        raise ValueError(f"Periode {text!r} tidak sah: tahun {year} terlalu awal; {hint}")


# --- configuration (data an administrator edits) ---------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """A PKH component: who qualifies (every condition that is set must hold) and what it pays per year."""

    code: str
    yearly: int  # rupiah per year
    cap: int | None = None  # at most this many members per family; None = only the family cap
    min_age: int | None = None  # completed years at the reference date, inclusive
    max_age: int | None = None  # inclusive
    sekolah: tuple[str, ...] = ()  # level currently attended is one of these; () = no condition
    disabilitas: tuple[str, ...] = ()
    jenis_kelamin: tuple[str, ...] = ()
    hamil: bool | None = None  # None = no condition

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("Kode komponen wajib diisi")
        if self.yearly < 0:
            raise ValueError(f"Nilai komponen {self.code} tidak boleh negatif")
        if self.cap is not None and self.cap < 0:
            raise ValueError(f"Batas komponen {self.code} tidak boleh negatif")


PKH_COMPONENTS: tuple[Component, ...] = (
    Component("ibu_hamil", 3_000_000, hamil=True, jenis_kelamin=("P",)),
    Component("anak_usia_dini", 3_000_000, cap=2, min_age=0, max_age=6),
    Component("sekolah_sd", 900_000, sekolah=("sd",), min_age=6, max_age=21),
    Component("sekolah_smp", 1_500_000, sekolah=("smp",), min_age=6, max_age=21),
    Component("sekolah_sma", 2_000_000, sekolah=("sma",), min_age=6, max_age=21),
    Component("disabilitas_berat", 2_400_000, cap=1, disabilitas=("berat",)),
    Component("lansia", 2_400_000, cap=1, min_age=70),
)


@dataclass(frozen=True)
class Exclusions:
    """Who excludes a household (all programs by default): a living member on a list or declaring these jobs."""

    asn_pekerjaan: tuple[str, ...] = ("asn",)
    tni_polri_pekerjaan: tuple[str, ...] = ("tni", "polri")
    use_asn_list: bool = True
    use_tni_polri_list: bool = True


@dataclass(frozen=True)
class ProgramConfig:
    code: str
    desil_max: int = 4
    exclusions: Exclusions = field(default_factory=Exclusions)
    recipient: tuple[str, ...] = (KEPALA_KELUARGA, TERTUA)

    def __post_init__(self) -> None:
        unknown = [r for r in self.recipient if r not in RECIPIENT_RULES]
        if unknown or not self.recipient:
            raise ValueError(
                f"Aturan penerima tidak dikenal: {', '.join(unknown) or '(kosong)'}; "
                f"pilihan: {', '.join(RECIPIENT_RULES)}"
            )


@dataclass(frozen=True)
class PKHConfig(ProgramConfig):
    """PKH: components per member, paid per tahap; eligible only with at least one component."""

    code: str = "PKH"
    recipient: tuple[str, ...] = (PASANGAN_PEREMPUAN, KEPALA_KELUARGA, TERTUA)
    components: tuple[Component, ...] = PKH_COMPONENTS
    payments_per_year: int = 4  # per tahap = yearly // payments_per_year
    max_members: int = 4

    def __post_init__(self) -> None:
        super().__post_init__()
        codes = [c.code for c in self.components]
        if len(set(codes)) != len(codes):
            raise ValueError("Kode komponen tidak boleh ganda")
        if self.payments_per_year <= 0 or 12 % self.payments_per_year:
            raise ValueError("Jumlah pembayaran per tahun harus pembagi 12 (mis. 4 tahap)")
        if self.max_members < 0:
            raise ValueError("Batas anggota tidak boleh negatif")

    def per_period(self, component: Component) -> int:
        return component.yearly // self.payments_per_year


@dataclass(frozen=True)
class FlatConfig(ProgramConfig):
    """A flat amount per household per month of the period (Program Sembako by default)."""

    code: str = "SEMBAKO"
    per_month: int = 200_000

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.per_month < 0:
            raise ValueError("Nilai bantuan per bulan tidak boleh negatif")


def pkh_default() -> PKHConfig:
    return PKHConfig()


def sembako_default() -> FlatConfig:
    return FlatConfig()


# --- reference lists ---------------------------------------------------------------------------------------

NikSource = pl.Series | pl.DataFrame | pl.LazyFrame | Iterable[str] | None


@dataclass(frozen=True)
class ReferenceLists:
    """nik of ASN, TNI/Polri and the dead, as Int64 (16-digit strings; anything else is ignored)."""

    asn: pl.Series
    tni_polri: pl.Series
    kematian: pl.Series

    @classmethod
    def of(
        cls, asn: NikSource = None, tni_polri: NikSource = None, kematian: NikSource = None
    ) -> ReferenceLists:
        return cls(asn=nik_set(asn), tni_polri=nik_set(tni_polri), kematian=nik_set(kematian))


def nik_set(source: NikSource) -> pl.Series:
    """Unique well-formed nik (16 digits) of a Series, a frame with a `nik` column, or strings, as Int64."""
    if source is None:
        s = pl.Series("nik", [], dtype=pl.Utf8)
    elif isinstance(source, pl.LazyFrame):
        s = source.select(pl.col("nik").cast(pl.Utf8)).collect()["nik"]
    elif isinstance(source, pl.DataFrame):
        s = source["nik"].cast(pl.Utf8)
    elif isinstance(source, pl.Series):
        s = source.cast(pl.Utf8)
    else:
        s = pl.Series("nik", list(source), dtype=pl.Utf8)
    s = s.str.strip_chars()
    return s.filter(s.str.contains(NIK_RE).fill_null(False)).cast(pl.Int64).unique().rename("nik")


# --- the pipeline ------------------------------------------------------------------------------------------

H = "_h"  # dense household index (UInt32) used inside the pipeline
M = "_m"  # dense member index


@dataclass
class Entitlements:
    """The answer of `compute`: see the module docstring for the columns (DECISION_SCHEMA, COMPONENT_SCHEMA)."""

    decisions: pl.DataFrame
    components: pl.DataFrame
    summary: dict[str, Any]


DECISION_SCHEMA: dict[str, Any] = {
    "household_id": pl.Int64,
    "no_kk": pl.Utf8,
    "kode_wilayah": pl.Utf8,
    "eligible": pl.Boolean,
    "reasons": pl.List(pl.Utf8),
    "nominal": pl.Int64,
    "channel": pl.Utf8,
    "bank": pl.Utf8,
    "no_rekening": pl.Utf8,
    "nik_penerima": pl.Utf8,
    "nama_penerima": pl.Utf8,
}
COMPONENT_SCHEMA: dict[str, Any] = {
    "household_id": pl.Int64,
    "no_kk": pl.Utf8,
    "nik": pl.Utf8,
    "component": pl.Utf8,
    "per_period": pl.Int64,
}


def age_at(born: pl.Expr, at: dt.date) -> pl.Expr:
    """Completed years at `at` of a Date expression."""
    at_md = at.month * 100 + at.day
    born_md = born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)
    return (pl.lit(at.year, dtype=pl.Int32) - born.dt.year().cast(pl.Int32)) - (born_md > at_md).cast(
        pl.Int32
    )


def _lazy(frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    return frame.lazy() if isinstance(frame, pl.DataFrame) else frame


def _blank_to_null(name: str) -> pl.Expr:
    s = pl.col(name).cast(pl.Utf8).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s).alias(name)


def compute(
    households: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    *,
    config: ProgramConfig,
    period: Period | str,
    lists: ReferenceLists | None = None,
    eligibility_rule: str | None = None,
    amount_rule: str | None = None,
) -> Entitlements:
    """Decide every household of `households` for one cycle of the program `config`.

    `eligibility_rule` (a ProgramVersion's stored rule, programs/rules.py) decides eligibility instead of the
    config's desil limit and exclusions when given (None or "" = the config alone, as the default catalogue's
    rules say the same); `amount_rule` gives a flat program's amount per household instead of `per_month`.
    See `RulePlan` for how a rule's conditions become decision reasons. The frames must then carry every column
    the rules read (`rule_columns`). Raises rules.RuleError for a rule that does not compile.
    """
    if isinstance(period, str):
        period = parse_period(period)
    if lists is None:
        lists = ReferenceLists.of()
    plan = RulePlan.of(eligibility_rule, config) if eligibility_rule and eligibility_rule.strip() else None
    amount = None
    if amount_rule and amount_rule.strip():
        if isinstance(config, PKHConfig):
            raise ValueError(
                f"Program {config.code}: nominal PKH dihitung dari komponen, bukan dari rumus nominal"
            )
        amount = rules.compile_rule(amount_rule, "amount")
    if isinstance(config, PKHConfig) and period.months * config.payments_per_year != 12:
        raise ValueError(
            f"Program {config.code} dibayar {config.payments_per_year} kali setahun; periode {period.code} "
            f"({period.months} bulan) tidak cocok"
        )

    hh = (
        _lazy(households)
        .select(
            pl.col("household_id").cast(pl.Int64),
            pl.col("no_kk").cast(pl.Utf8),
            pl.col("kode_wilayah").cast(pl.Utf8),
            pl.col("desil").cast(pl.Int64),
            _blank_to_null("bank"),
            _blank_to_null("no_rekening"),
        )
        .with_row_index(H)
        .collect()
    )
    if hh["household_id"].is_duplicated().any():
        raise ValueError("household_id harus unik: ada keluarga ganda dalam data masukan")
    facts = member_facts(hh.lazy().select(H, "household_id"), members, period, lists, config.exclusions)
    facts = facts.collect().lazy()  # used three times below

    per_household = (
        facts.group_by(H)
        .agg(
            pl.col("alive").sum().alias("_alive"),
            pl.col("asn").any().alias("_asn"),
            pl.col("tni_polri").any().alias("_tni"),
        )
        .collect()
    )
    recipient = choose_recipient(facts, config.recipient).collect()

    taken: pl.DataFrame | None = None
    if isinstance(config, PKHConfig):
        pairs = component_pairs(facts, config).collect()
        taken = select_components(pairs, config.max_members)
        amounts = taken.group_by(H).agg(pl.col("per_period").sum().alias("_amount"), pl.len().alias("_n"))
    elif isinstance(config, FlatConfig):
        amounts = pl.DataFrame(schema={H: pl.UInt32, "_amount": pl.Int64, "_n": pl.UInt32})
    else:
        raise TypeError(f"Jenis konfigurasi program tidak dikenal: {type(config).__name__}")

    extra = None
    if plan is not None or amount is not None:
        extra = _rule_columns(plan, amount, households, members, hh, facts, period)
    decisions = _decide(hh, per_household, amounts, recipient, config, period, plan, extra)

    components = pl.DataFrame(schema=COMPONENT_SCHEMA)
    if taken is not None and isinstance(config, PKHConfig):
        codes = {i: c.code for i, c in enumerate(config.components)}
        eligible_h = decisions.filter(pl.col("eligible")).select(H, "household_id", "no_kk")
        components = (
            taken.join(eligible_h, on=H, how="inner", maintain_order="left")
            .join(
                facts.select(M, "nik").filter(pl.col(M).is_in(taken[M].implode())).collect(),
                on=M,
                how="left",
                maintain_order="left",
            )
            .sort(H, maintain_order=True)  # rounds were concatenated in walk order
            .select(
                "household_id",
                "no_kk",
                "nik",
                pl.col("_comp").replace_strict(codes, return_dtype=pl.Utf8).alias("component"),
                pl.col("per_period").cast(pl.Int64),
            )
        )
    summary = summarise(decisions)
    return Entitlements(decisions=decisions.drop(H), components=components, summary=summary)


def member_facts(
    household_index: pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    period: Period,
    lists: ReferenceLists,
    exclusions: Exclusions,
) -> pl.LazyFrame:
    """One row per member of a known household: dense keys, age, alive, and the exclusions it brings."""
    m = (
        _lazy(members)
        .select(
            pl.col("household_id").cast(pl.Int64),
            pl.col("nik").cast(pl.Utf8),
            pl.col("nama").cast(pl.Utf8),
            pl.col("jenis_kelamin").cast(pl.Utf8),
            pl.col("tanggal_lahir").cast(pl.Date),
            pl.col("hubungan").cast(pl.Utf8),
            pl.col("sekolah").cast(pl.Utf8).fill_null(""),
            pl.col("pekerjaan").cast(pl.Utf8).fill_null(""),
            pl.col("disabilitas").cast(pl.Utf8).fill_null(""),
            pl.col("hamil").cast(pl.Boolean).fill_null(False),
        )
        .with_row_index(M)  # the members' order: it breaks ties between several heads (or spouses)
    )
    # The dense household index of each member. Database ids are nearly consecutive: a lookup array indexed by
    # id - min gives it with one gather (a hash join of millions of members costs seconds on two cores); sparse
    # ids fall back to a binary search in the sorted ids. Members of unknown households are dropped.
    index = household_index.select(H, pl.col("household_id").cast(pl.Int64)).collect()
    ids = index["household_id"]
    if ids.len() == 0:
        return _member_columns(
            m.with_columns(pl.lit(None, dtype=pl.UInt32).alias(H)).filter(False), period, lists, exclusions
        )
    low, high = int(ids.min()), int(ids.max())  # type: ignore[arg-type]
    hid = pl.col("household_id")
    if high - low < 4 * ids.len() + 1024:
        lookup = pl.Series(H, [None] * (high - low + 1), dtype=pl.UInt32).scatter(ids - low, index[H])
        inside = (hid >= low) & (hid <= high)
        found = pl.when(inside).then(pl.lit(lookup).gather((hid - low).clip(0, high - low)))
    else:
        ordered = index.sort("household_id")
        pos = pl.lit(ordered["household_id"]).search_sorted(hid).clip(upper_bound=ids.len() - 1)
        found = pl.when(pl.lit(ordered["household_id"]).gather(pos) == hid).then(
            pl.lit(ordered[H]).gather(pos)
        )
    m = m.with_columns(found.alias(H)).filter(pl.col(H).is_not_null())
    return _member_columns(m, period, lists, exclusions)


def _member_columns(
    m: pl.LazyFrame, period: Period, lists: ReferenceLists, exclusions: Exclusions
) -> pl.LazyFrame:
    # Each derived column once, in steps (Polars does not always share a repeated sub-expression).
    nik_int = pl.col("nik_int")
    alive = pl.col("alive")
    job = pl.col("pekerjaan")
    on_asn = pl.col("asn_list") if exclusions.use_asn_list else pl.lit(False)
    on_tni = pl.col("tni_polri_list") if exclusions.use_tni_polri_list else pl.lit(False)
    return (
        m.with_columns(pl.col("nik").str.strip_chars().cast(pl.Int64, strict=False).alias("nik_int"))
        .with_columns(
            (~nik_int.is_in(lists.kematian.implode()).fill_null(False)).alias("alive"),
            # The lists as such, also for administrators' rules (rules.py: asn_list, tni_polri_list).
            nik_int.is_in(lists.asn.implode()).fill_null(False).alias("asn_list"),
            nik_int.is_in(lists.tni_polri.implode()).fill_null(False).alias("tni_polri_list"),
            age_at(pl.col("tanggal_lahir"), period.reference_date).alias("age"),
        )
        .with_columns(
            (alive & (on_asn | job.is_in(list(exclusions.asn_pekerjaan)))).alias("asn"),
            (alive & (on_tni | job.is_in(list(exclusions.tni_polri_pekerjaan)))).alias("tni_polri"),
        )
    )


def qualifies(component: Component) -> pl.Expr:
    """Whether a living member (of `member_facts`) qualifies for `component`."""
    cond = pl.col("alive")
    age = pl.col("age")
    if component.min_age is not None:
        cond = cond & (age >= component.min_age)
    if component.max_age is not None:
        cond = cond & (age <= component.max_age)
    if component.sekolah:
        cond = cond & pl.col("sekolah").is_in(list(component.sekolah))
    if component.disabilitas:
        cond = cond & pl.col("disabilitas").is_in(list(component.disabilitas))
    if component.jenis_kelamin:
        cond = cond & pl.col("jenis_kelamin").is_in(list(component.jenis_kelamin))
    if component.hamil is not None:
        cond = cond & (pl.col("hamil") == component.hamil)
    return cond.fill_null(False)


def component_order(config: PKHConfig) -> list[int]:
    """Component indexes in walk order: yearly amount descending, then the order of the table."""
    comps = config.components
    return sorted(range(len(comps)), key=lambda i: (-comps[i].yearly, i))


def component_pairs(facts: pl.LazyFrame, config: PKHConfig) -> pl.LazyFrame:
    """Step 1-2: every (living member, component) pair, sorted in walk order within each household.

    Columns: _h, _m, nik_int, age, _comp (index in the table), _order (rank of the component in walk order),
    _cap (Int64, null = no cap), per_period.
    """
    rank = {ci: r for r, ci in enumerate(component_order(config))}
    parts = []
    for ci, comp in enumerate(config.components):
        parts.append(
            facts.filter(qualifies(comp)).select(
                H,
                M,
                "nik_int",
                "age",
                pl.lit(ci, dtype=pl.UInt32).alias("_comp"),
                pl.lit(rank[ci], dtype=pl.UInt32).alias("_order"),
                pl.lit(comp.cap, dtype=pl.Int64).alias("_cap"),
                pl.lit(config.per_period(comp), dtype=pl.Int64).alias("per_period"),
            )
        )
    if not parts:
        return pl.LazyFrame(
            schema={
                H: pl.UInt32,
                M: pl.UInt32,
                "nik_int": pl.Int64,
                "age": pl.Int32,
                "_comp": pl.UInt32,
                "_order": pl.UInt32,
                "_cap": pl.Int64,
                "per_period": pl.Int64,
            }
        )
    return pl.concat(parts).sort(
        [H, "_order", "age", "nik_int"], descending=[False, False, True, False], nulls_last=True
    )


def select_components(pairs: pl.DataFrame, max_members: int) -> pl.DataFrame:
    """Step 3 for all households at once; returns the taken pairs (a subset of `pairs`' rows).

    The sequential walk takes a pair when its member is not taken yet, fewer than `max_members` members are
    taken, and the component's cap is not reached. None of these conditions, once false for a pair, ever
    becomes true again later in the walk (taken members stay taken, counts only grow). So the walk is the same as
    repeatedly taking, in each household, the *first pair that is still admissible*: a pair passed over
    earlier is still inadmissible. Each round below does that for every household at once, then drops the pairs
    that have become inadmissible. Every pair that remains is admissible, so in round r each household with
    pairs left has taken exactly r pairs before: the member cap is just the number of rounds.

    `pairs` must be sorted by (_h, walk order), as `component_pairs` returns them.
    """
    # A cap of 0 admits nothing. A cap can only block a pair in a household with more pairs of that component
    # than the cap: only those pairs ("_capped") need counting in the rounds.
    key = pl.col(H).cast(pl.UInt64) * (1 << 32) + pl.col("_comp").cast(pl.UInt64)
    remaining = pairs.filter(pl.col("_cap").is_null() | (pl.col("_cap") > 0)).with_columns(
        (pl.col("_cap").is_not_null() & (pl.len().over(key) > pl.col("_cap"))).alias("_capped")
    )
    taken: list[pl.DataFrame] = []
    capped_taken: list[pl.DataFrame] = []
    for _ in range(max_members):
        if remaining.height == 0:
            break
        # Sorted by household: the first row of each household is its first admissible pair.
        first = remaining.filter(pl.col(H).is_first_distinct())
        taken.append(first)
        if len(taken) == max_members:
            break
        # Members just taken leave the walk with all their other pairs.
        drop = pl.col(M).is_in(first[M].implode())
        # Components whose cap is now reached in a household leave that household's walk.
        capped = first.filter(pl.col("_capped")).select(key.alias("_k"), "_cap")
        if capped.height:
            capped_taken.append(capped)
            counts = pl.concat(capped_taken).group_by("_k").agg(pl.len().alias("_n"), pl.col("_cap").first())
            full = counts.filter(pl.col("_n") >= pl.col("_cap"))["_k"]
            if full.len():
                drop = drop | key.is_in(full.implode())
        remaining = remaining.filter(~drop)
    if not taken:
        return pairs.clear().with_columns(pl.lit(False).alias("_capped"))
    return pl.concat(taken)


def choose_recipient(facts: pl.LazyFrame, rules: tuple[str, ...]) -> pl.LazyFrame:
    """The recipient per household: the first rule that some living member meets; the oldest of those, then nik.

    Columns: _h, nik_penerima, nama_penerima. Households with no living member have no row.
    """
    jk, rel = pl.col("jenis_kelamin"), pl.col("hubungan")
    meets = {
        PASANGAN_PEREMPUAN: (rel == "pasangan") & (jk == "P"),
        KEPALA_KELUARGA: rel == "kepala_keluarga",
        TERTUA: pl.lit(True),
    }
    priority: pl.Expr = pl.lit(len(rules), dtype=pl.UInt8)
    for i in reversed(range(len(rules))):
        priority = (
            pl.when(meets[rules[i]].fill_null(False)).then(pl.lit(i, dtype=pl.UInt8)).otherwise(priority)
        )
    # Within the rule that decides: the oldest (then nik) for TERTUA; the first in the members' order otherwise.
    by_age = pl.lit(False)
    for i, rule in enumerate(rules):
        if rule == TERTUA:
            by_age = by_age | (pl.col("_p") == i)
    # The first (lowest) key per household, without sorting inside groups: keep the rows whose (rule, birth date)
    # is the household's lowest, then the one with the lowest second key (nik or position, unique per member).
    k1 = pl.when(by_age).then(pl.col("tanggal_lahir").cast(pl.Int64)).otherwise(0).fill_null(1 << 20)
    first = pl.col("_p").cast(pl.Int64) * (1 << 22) + (k1 + (1 << 21)).clip(0, (1 << 22) - 1)
    k2 = pl.when(by_age).then(pl.col("nik_int")).otherwise(pl.col(M).cast(pl.Int64)).fill_null(2**62)
    return (
        facts.filter(pl.col("alive"))
        .select(H, M, "nik", "nama", "tanggal_lahir", "nik_int", priority.alias("_p"))
        .filter(pl.col("_p") < len(rules))
        .with_columns(first.alias("_k1"), k2.alias("_k2"))
        .filter(pl.col("_k1") == pl.col("_k1").min().over(H))
        .filter(pl.col("_k2") == pl.col("_k2").min().over(H))
        .group_by(H)
        .agg(pl.col("nik").first().alias("nik_penerima"), pl.col("nama").first().alias("nama_penerima"))
    )


def _decide(
    hh: pl.DataFrame,
    per_household: pl.DataFrame,
    amounts: pl.DataFrame,
    recipient: pl.DataFrame,
    config: ProgramConfig,
    period: Period,
    plan: RulePlan | None = None,
    extra: pl.DataFrame | None = None,
) -> pl.DataFrame:
    desil = pl.col("desil")
    alive = pl.col("_alive").fill_null(0)
    no_component = (alive > 0) & (pl.col("_n").fill_null(0) == 0)
    extra_columns = set(extra.columns) if extra is not None else set()

    def violated(code: str, native: pl.Expr) -> pl.Expr:
        """A reason's condition: from the config without a rule; from the rule's conditions with one."""
        if plan is None or code in plan.native:
            return native
        column = f"_v_{code}"
        return pl.col(column).fill_null(False) if column in extra_columns else pl.lit(False)

    desil_max = config.desil_max if plan is None else plan.desil_max
    rule_failed = violated(ATURAN_PROGRAM, pl.lit(False))
    if "_amount_rule" in extra_columns:  # a benefit formula that gives no amount, or a negative one
        rule_failed = rule_failed | pl.col("_amount_rule").is_null() | (pl.col("_amount_rule") < 0)
    conditions = {
        DESIL_DI_ATAS_BATAS: (
            desil.is_not_null() & (desil > desil_max) if desil_max is not None else pl.lit(False)
        ),
        ANGGOTA_ASN: violated(ANGGOTA_ASN, pl.col("_asn").fill_null(False)),
        ANGGOTA_TNI_POLRI: violated(ANGGOTA_TNI_POLRI, pl.col("_tni").fill_null(False)),
        TANPA_ANGGOTA_HIDUP: alive == 0,  # always: nobody would receive
        TANPA_KOMPONEN: no_component if isinstance(config, PKHConfig) else pl.lit(False),
        TANPA_DESIL: desil.is_null() if desil_max is not None else pl.lit(False),
        ATURAN_PROGRAM: rule_failed,
    }
    # The reasons as a bit mask, then the list of codes of each mask from a small table (2**6 rows).
    codes = list(conditions)
    mask = pl.sum_horizontal(
        [cond.fill_null(False).cast(pl.UInt8) * (1 << i) for i, cond in enumerate(conditions.values())]
    ).cast(pl.UInt8)  # 7 reasons: 128 masks
    lists_of = pl.DataFrame(
        {
            "_mask": list(range(1 << len(codes))),
            "reasons": [[c for i, c in enumerate(codes) if m >> i & 1] for m in range(1 << len(codes))],
        },
        schema={"_mask": pl.UInt8, "reasons": pl.List(pl.Utf8)},
    )
    if "_amount_rule" in extra_columns:
        amount: pl.Expr = pl.col("_amount_rule").fill_null(0)
    elif isinstance(config, FlatConfig):
        amount = pl.lit(config.per_month * period.months, dtype=pl.Int64)
    else:
        amount = pl.col("_amount").fill_null(0)
    has_account = pl.col("bank").is_not_null() & pl.col("no_rekening").is_not_null()
    joined = hh.join(per_household, on=H, how="left").join(amounts, on=H, how="left")
    if extra is not None:
        joined = joined.join(extra, on=H, how="left")
    return (
        joined.join(recipient, on=H, how="left")
        .with_columns(mask.alias("_mask"))
        .join(lists_of, on="_mask", how="left")
        .with_columns((pl.col("_mask") == 0).alias("eligible"))
        .with_columns(
            pl.when(pl.col("eligible")).then(amount).otherwise(0).cast(pl.Int64).alias("nominal"),
            pl.when(has_account).then(pl.col("bank")).otherwise(pl.lit(POS)).alias("channel"),
            pl.when(has_account).then(pl.col("bank")).otherwise(pl.lit("")).alias("bank"),
            pl.when(has_account).then(pl.col("no_rekening")).otherwise(pl.lit("")).alias("no_rekening"),
        )
        .sort(H)
        .select(H, *DECISION_SCHEMA)
        .cast(DECISION_SCHEMA)  # type: ignore[arg-type]
    )


# --- administrators' rules ---------------------------------------------------------------------------------

# Columns that `compute` reads anyway (the cycle pipeline's frames); a rule may need more (`rule_columns`).
HOUSEHOLD_COLUMNS = ("household_id", "no_kk", "kode_wilayah", "desil", "bank", "no_rekening")
MEMBER_COLUMNS = (
    "household_id",
    "nik",
    "nama",
    "jenis_kelamin",
    "tanggal_lahir",
    "hubungan",
    "sekolah",
    "pekerjaan",
    "disabilitas",
    "hamil",
)
# Member attributes `compute` derives itself from the reference lists and the reference date.
_DERIVED_MEMBER = ("meninggal", "asn_list", "tni_polri_list", "umur")

_DESIL_LE = re.compile(r"^\(desil <= (\d+)\)$")
_DESIL_LT = re.compile(r"^\(desil < (\d+)\)$")
_LIVING = ("(jumlah_anggota >= 1)", "(jumlah_anggota > 0)", "(not (jumlah_anggota == 0))")
_EXCLUSION_CONJUNCTS = {
    code: f"(not {rules.compile_rule(text).canonical})"
    for code, text in rules.DEFAULT_EXCLUSION_REASONS.items()
    if code in (ANGGOTA_ASN, ANGGOTA_TNI_POLRI)
}


def rule_reason(conjunct: rules.Conjunct) -> str:
    """The decision reason of a top-level condition of an eligibility rule that a household does not meet.

    `desil <= N` (or `desil < N`) gives DESIL_DI_ATAS_BATAS (TANPA_DESIL when the desil is empty); the default
    exclusions (rules.DEFAULT_EXCLUSION_REASONS) their contract codes; `jumlah_anggota >= 1` TANPA_ANGGOTA_HIDUP;
    every other condition ATURAN_PROGRAM.
    """
    if _DESIL_LE.match(conjunct.canonical) or _DESIL_LT.match(conjunct.canonical):
        return DESIL_DI_ATAS_BATAS
    for code, canonical in _EXCLUSION_CONJUNCTS.items():
        if conjunct.canonical == canonical:
            return code
    if conjunct.canonical in _LIVING:
        return TANPA_ANGGOTA_HIDUP
    return ATURAN_PROGRAM


@dataclass(frozen=True)
class RulePlan:
    """How `compute` follows a stored eligibility rule: the rule's top-level conditions joined by `and`, each
    false one a reason (`rule_reason`).

    * `desil <= N` conditions set the desil limit (the lowest N) in place of the config's `desil_max`; a rule
      without one sets no limit (and then an empty desil is no reason either).
    * The default exclusions are computed as without a rule (`native`) when the config's exclusions are the
      default ones (they then say exactly the same); otherwise they are evaluated from the rule's text.
    * A household without a living member is never eligible (nobody would receive), and a PKH household needs a
      component, whatever the rule says.
    * Every other condition is evaluated set-based by the rule compiler (`evaluated`: conjunct index, reason).
    The rule holds exactly when none of its conditions fails, so the decision follows the rule.
    """

    rule: rules.CompiledRule
    desil_max: int | None
    native: frozenset[str]
    evaluated: tuple[tuple[int, str], ...]

    @classmethod
    def of(cls, text: str, config: ProgramConfig) -> RulePlan:
        compiled = rules.compile_rule(text, "eligibility")
        limits: list[int] = []
        native: set[str] = set()
        evaluated: list[tuple[int, str]] = []
        default_exclusions = config.exclusions == Exclusions()
        for conjunct in compiled.conjuncts():
            reason = rule_reason(conjunct)
            if reason == DESIL_DI_ATAS_BATAS:
                m = _DESIL_LE.match(conjunct.canonical)
                limits.append(int(m.group(1)) if m else int(_DESIL_LT.match(conjunct.canonical).group(1)) - 1)  # type: ignore[union-attr]
            elif reason == TANPA_ANGGOTA_HIDUP:
                pass  # always applies
            elif reason in (ANGGOTA_ASN, ANGGOTA_TNI_POLRI) and default_exclusions:
                native.add(reason)
            else:
                evaluated.append((conjunct.number, reason))
        return cls(compiled, min(limits) if limits else None, frozenset(native), tuple(evaluated))


def rule_columns(eligibility_rule: str | None, amount_rule: str | None = None) -> tuple[list[str], list[str]]:
    """The household and member columns the rules read beyond `HOUSEHOLD_COLUMNS` / `MEMBER_COLUMNS`: what a
    caller of `compute` must add to its frames (exchange names). Raises rules.RuleError."""
    h: set[str] = set()
    m: set[str] = set()
    for text, kind in ((eligibility_rule, "eligibility"), (amount_rule, "amount")):
        if text and text.strip():
            compiled = rules.compile_rule(text, kind)
            h |= compiled.household_columns
            m |= compiled.member_columns
    return (
        sorted(h - set(HOUSEHOLD_COLUMNS)),
        sorted(m - set(MEMBER_COLUMNS) - set(_DERIVED_MEMBER)),
    )


def rule_context(period: Period) -> dict[str, Any]:
    """The values of a cycle that rules may read (rules.CONTEXT_ATTRIBUTES) and the reference date."""
    return {
        "bulan": period.months,
        "tahap": period.number if period.kind == "tahap" else 0,
        "tahun": period.year,
        "tanggal_acuan": period.reference_date,
    }


def rule_frames(
    households: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    hh: pl.DataFrame,
    facts: pl.LazyFrame,
    household_extra: Iterable[str] = (),
    member_extra: Iterable[str] = (),
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The frames a rule is evaluated on, keyed by the dense household index (as `household_id`).

    Members carry the facts (age, the dead, the lists) and any further columns of the input frames.
    """
    rule_hh = hh.lazy().select(pl.col(H).alias("household_id"), *(c for c in HOUSEHOLD_COLUMNS[1:]))
    # Columns the input lacks stay absent: the rule compiler then names them (ValueError).
    available = _lazy(households).collect_schema()
    household_extra = [c for c in household_extra if c not in HOUSEHOLD_COLUMNS and c in available]
    if household_extra:
        rule_hh = rule_hh.join(
            _lazy(households).with_row_index(H).select(pl.col(H).alias("household_id"), *household_extra),
            on="household_id",
            how="left",
            maintain_order="left",
        )
    rule_mm = facts.select(
        pl.col(H).alias("household_id"),
        M,
        *(c for c in MEMBER_COLUMNS[1:]),
        (~pl.col("alive")).alias("meninggal"),
        "asn_list",
        "tni_polri_list",
    )
    available = _lazy(members).collect_schema()
    member_extra = [
        c for c in member_extra if c not in MEMBER_COLUMNS and c not in _DERIVED_MEMBER and c in available
    ]
    if member_extra:
        rule_mm = rule_mm.join(
            _lazy(members).with_row_index(M).select(M, *member_extra), on=M, how="left", maintain_order="left"
        )
    return rule_hh, rule_mm


def _rule_columns(
    plan: RulePlan | None,
    amount: rules.CompiledRule | None,
    households: pl.DataFrame | pl.LazyFrame,
    members: pl.DataFrame | pl.LazyFrame,
    hh: pl.DataFrame,
    facts: pl.LazyFrame,
    period: Period,
) -> pl.DataFrame:
    """Per household (H): `_v_<REASON>` (a condition of that reason fails) and `_amount_rule` (Int64)."""
    h_extra: set[str] = set()
    m_extra: set[str] = set()
    for compiled in (plan.rule if plan else None, amount):
        if compiled is not None:
            h_extra |= compiled.household_columns
            m_extra |= compiled.member_columns
    rule_hh, rule_mm = rule_frames(households, members, hh, facts, sorted(h_extra), sorted(m_extra))
    context = rule_context(period)
    out = hh.select(H)
    if plan is not None and plan.evaluated:
        parts = plan.rule.conjuncts_lazy([i for i, _ in plan.evaluated], rule_hh, rule_mm, context)
        codes: dict[str, pl.Expr] = {}
        for i, code in plan.evaluated:
            failed = ~pl.col(f"c{i}")
            codes[code] = codes[code] | failed if code in codes else failed
        violations = parts.select(
            pl.col("household_id").alias(H), *(e.alias(f"_v_{c}") for c, e in codes.items())
        ).collect()
        out = out.join(violations, on=H, how="left")
    if amount is not None:
        amounts = amount.lazy(rule_hh, rule_mm, context).select(
            pl.col("household_id").alias(H), pl.col("amount").alias("_amount_rule")
        )
        out = out.join(amounts.collect(), on=H, how="left")
    return out


# --- explanation of one household --------------------------------------------------------------------------

TAKEN = "diambil"
MEMBER_COUNTED = "anggota_sudah_dihitung"
CAP_REACHED = "batas_komponen"
FAMILY_CAP = "batas_anggota_keluarga"


def explain_walk(
    household: pl.DataFrame,
    members: pl.DataFrame,
    *,
    config: PKHConfig,
    period: Period | str,
    lists: ReferenceLists,
) -> list[dict[str, Any]]:
    """Every (living member, component) pair of ONE household in walk order (contract: PKH steps 1-3), each with
    what the walk did: TAKEN, MEMBER_COUNTED (the member was taken for an earlier pair), CAP_REACHED (the
    component's cap per family), FAMILY_CAP (already `max_members` members). For explanations only: a batch uses
    `select_components`, which a test proves equal to this walk.
    """
    if isinstance(period, str):
        period = parse_period(period)
    hh = _lazy(household).select(pl.col("household_id").cast(pl.Int64)).with_row_index(H)
    facts = member_facts(hh, members, period, lists, config.exclusions).collect()
    pairs = (
        component_pairs(facts.lazy(), config)
        .collect()
        .join(facts.select(M, "nik", "nama"), on=M, how="left", maintain_order="left")
    )
    codes = [c.code for c in config.components]
    taken_members: set[int] = set()
    per_component: dict[int, int] = {}
    out = []
    for row in pairs.iter_rows(named=True):
        comp, member, cap = row["_comp"], row[M], row["_cap"]
        if member in taken_members:
            status = MEMBER_COUNTED
        elif len(taken_members) >= config.max_members:
            status = FAMILY_CAP
        elif cap is not None and per_component.get(comp, 0) >= cap:
            status = CAP_REACHED
        else:
            status = TAKEN
            taken_members.add(member)
            per_component[comp] = per_component.get(comp, 0) + 1
        out.append(
            {
                "nik": row["nik"],
                "nama": row["nama"],
                "age": row["age"],
                "component": codes[comp],
                "per_period": row["per_period"],
                "cap": cap,
                "status": status,
            }
        )
    return out


def summarise(decisions: pl.DataFrame) -> dict[str, Any]:
    """{"eligible": n, "total": rupiah, "not_eligible": {REASON: households}} (only reasons that occur)."""
    eligible = decisions.filter(pl.col("eligible"))
    counts = (
        decisions.select(pl.col("reasons").explode().drop_nulls().alias("r")).group_by("r").len().sort("r")
    )
    return {
        "eligible": eligible.height,
        "total": int(eligible["nominal"].sum()),
        "not_eligible": dict(zip(counts["r"].to_list(), counts["len"].to_list(), strict=True)),
    }
