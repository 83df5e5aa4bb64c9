"""Reading the registry for rule previews and explanations: the cycle pipeline's frames, limited to a region or to
one household, plus the columns an administrator's rule reads beyond them (docs/architecture.md, batch work).

Same shapes and types as `cycles.batch.pipeline.read_inputs` (households, members in the file's order), so that
`entitlements.compute` gives the same answers as a cycle. SQL text is built only from our own schema constants and
column names checked against the models; every value (region prefixes, no_kk) is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from salur.core.bulk import read_frame
from salur.dataquality.models import ReferenceEntry, ReferenceList
from salur.dataquality.services import active_list_niks
from salur.programs.batch import entitlements as e
from salur.registry.models import Household, Member

LIST_KINDS = ("asn", "tni_polri", "kematian")
_BOOLEAN = {"hamil", "aset_kulkas", "aset_motor", "aset_mobil", "aset_ac", "aset_emas", "aset_lahan"}
_DATE = {"tanggal_lahir", "tanggal_pendataan"}


def _columns(model: Any) -> set[str]:
    return {f.column for f in model._meta.concrete_fields}


HOUSEHOLD_DB_COLUMNS = _columns(Household)
MEMBER_DB_COLUMNS = _columns(Member)


@dataclass(frozen=True)
class Frames:
    households: pl.DataFrame
    members: pl.DataFrame
    lists: e.ReferenceLists


def _checked(names: Iterable[str], allowed: set[str], what: str) -> list[str]:
    out = sorted(set(names))
    unknown = [n for n in out if n not in allowed]
    if unknown:
        raise ValueError(f"Kolom {what} tidak dikenal: {', '.join(unknown)}")
    return out


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Utf8)


def _typed(name: str) -> pl.Expr:
    """A column read from either backend as the rule compiler and `compute` expect it."""
    if name in _BOOLEAN:
        return _text(name).str.to_lowercase().is_in(["1", "t", "true"]).alias(name)
    if name in _DATE:
        return _text(name).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias(name)
    return _text(name)


def _where(prefixes: Sequence[str], no_kk: str | None, column: str) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if prefixes:
        clauses.append("(" + " OR ".join(f"{column} LIKE %s" for _ in prefixes) + ")")
        params += [f"{p}%" for p in prefixes]
    if no_kk is not None:
        clauses.append("h.no_kk = %s")
        params.append(no_kk)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def read_registry(
    *,
    prefixes: Sequence[str] = (),
    no_kk: str | None = None,
    household_columns: Iterable[str] = (),
    member_columns: Iterable[str] = (),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Households (and their members) whose region starts with one of `prefixes` (all when empty), or the one
    household `no_kk`; with the extra columns (exchange names = database columns) a rule reads."""
    h_extra = [
        c
        for c in _checked(household_columns, HOUSEHOLD_DB_COLUMNS, "keluarga")
        if c not in e.HOUSEHOLD_COLUMNS
    ]
    m_extra = [c for c in _checked(member_columns, MEMBER_DB_COLUMNS, "anggota") if c not in e.MEMBER_COLUMNS]
    where, params = _where(prefixes, no_kk, "h.kode_wilayah")
    h_select = ", ".join(
        ["h.id AS household_id", "h.no_kk", "h.kode_wilayah", "h.desil", "h.bank", "h.no_rekening"]
        + [f"h.{c}" for c in h_extra]
    )
    households = read_frame(
        f"SELECT {h_select} FROM registry_household h{where} ORDER BY h.id", params, all_text=True
    )
    h_names = ["household_id", "no_kk", "kode_wilayah", "desil", "bank", "no_rekening", *h_extra]
    if households.height == 0:
        households = pl.DataFrame(schema=dict.fromkeys(h_names, pl.Utf8))
    households = households.select(
        _text("household_id").cast(pl.Int64),
        _text("no_kk"),
        _text("kode_wilayah"),
        _text("desil").cast(pl.Int64, strict=False),
        _text("bank").fill_null(""),
        _text("no_rekening").fill_null(""),
        *(_typed(c) for c in h_extra),
    )
    m_names = [c for c in e.MEMBER_COLUMNS if c != "household_id"] + m_extra
    m_select = ", ".join(["m.household_id"] + [f"m.{c}" for c in m_names])
    members = read_frame(
        f"SELECT {m_select} FROM registry_member m JOIN registry_household h ON h.id = m.household_id{where}"
        # The order of the cycle pipeline: the file's order (urutan) breaks ties between several heads.
        " ORDER BY m.household_id, COALESCE(m.urutan, 2147483647), m.id",
        params,
        all_text=True,
    )
    if members.height == 0:
        members = pl.DataFrame(schema=dict.fromkeys(["household_id", *m_names], pl.Utf8))
    members = members.select(
        _text("household_id").cast(pl.Int64),
        *(_typed(c) if c in _BOOLEAN | _DATE else _text(c).fill_null("") for c in m_names),
    )
    return households, members


def active_lists(niks: Sequence[str] | None = None) -> e.ReferenceLists:
    """The active reference lists: whole, or only the entries of `niks` (one household's explanation)."""
    if niks is None:
        return e.ReferenceLists.of(**{kind: active_list_niks(kind) for kind in LIST_KINDS})
    found: dict[str, list[str]] = {kind: [] for kind in LIST_KINDS}
    for kind, nik in ReferenceEntry.objects.filter(
        reference_list__active=True, nik__in=list(niks)
    ).values_list("reference_list__kind", "nik"):
        found[kind].append(nik)
    return e.ReferenceLists.of(**found)


def list_entries(niks: Sequence[str]) -> list[dict[str, Any]]:
    """Where each of `niks` stands on an active list: the list's kind, version, load date, file and sha256."""
    rows = (
        ReferenceEntry.objects.filter(reference_list__active=True, nik__in=list(niks))
        .select_related("reference_list")
        .order_by("reference_list__kind", "nik")
    )
    out = []
    for entry in rows:
        ref: ReferenceList = entry.reference_list
        out.append(
            {
                "nik": entry.nik,
                "kind": ref.kind,
                "label": ref.get_kind_display(),
                "version": ref.version,
                "loaded_at": ref.loaded_at,
                "file_name": ref.file_name,
                "sha256": ref.sha256,
                "instansi": entry.instansi,
                "tanggal_meninggal": entry.tanggal_meninggal,
            }
        )
    return out


def read_frames(
    *,
    prefixes: Sequence[str] = (),
    no_kk: str | None = None,
    eligibility_rule: str | None = None,
    amount_rule: str | None = None,
) -> Frames:
    """Everything `entitlements.compute` needs for these rules, for a region or one household."""
    h_extra, m_extra = e.rule_columns(eligibility_rule, amount_rule)
    households, members = read_registry(
        prefixes=prefixes, no_kk=no_kk, household_columns=h_extra, member_columns=m_extra
    )
    lists = active_lists(members["nik"].to_list() if no_kk is not None else None)
    return Frames(households, members, lists)
