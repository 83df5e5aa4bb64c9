"""Reads of santunan, limited to the actor's region scope; `payable_claims` for the payments module."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.db.models import QuerySet

from salur.core.access import scope_q
from salur.santunan.models import Claim, ClaimStatus, Disaster, Heir

PAYABLE_SCHEMA = {
    "household_id": pl.Int64,
    "nik_penerima": pl.Utf8,
    "nama_penerima": pl.Utf8,
    "kode_wilayah": pl.Utf8,
    "bank": pl.Utf8,
    "no_rekening": pl.Utf8,
    "nominal": pl.Int64,
    "claim_id": pl.Int64,
}


def disasters_visible(actor: Any) -> QuerySet[Disaster]:
    return Disaster.objects.filter(scope_q(actor, "wilayah__kode")).select_related("wilayah")


def disaster_get(*, actor: Any, pk: int) -> Disaster | None:
    return disasters_visible(actor).filter(pk=pk).first()


def claims_visible(actor: Any) -> QuerySet[Claim]:
    return Claim.objects.filter(scope_q(actor, "kode_wilayah")).select_related(
        "victim__member", "victim__disaster", "created_by", "decided_by"
    )


def claim_get(*, actor: Any, pk: int) -> Claim | None:
    return claims_visible(actor).prefetch_related("victim__heirs__member").filter(pk=pk).first()


def payable_claims(event_id: int | None = None) -> pl.DataFrame:
    """Approved claims not yet paid, one row per claim, paid to the recipient heir's household account.

    Columns: household_id, nik_penerima, nama_penerima, kode_wilayah, bank, no_rekening, nominal, claim_id.
    `kode_wilayah` is the heir's household region (where the money goes)."""
    heirs = Heir.objects.filter(is_recipient=True, victim__claim__status=ClaimStatus.APPROVED)
    if event_id is not None:
        heirs = heirs.filter(victim__disaster_id=event_id)
    rows = heirs.order_by("victim__claim__id").values_list(
        "member__household_id",
        "member__nik",
        "member__nama",
        "member__household__wilayah_id",
        "member__household__bank",
        "member__household__no_rekening",
        "victim__claim__nominal",
        "victim__claim__id",
    )
    return pl.DataFrame(list(rows), schema=PAYABLE_SCHEMA, orient="row")
