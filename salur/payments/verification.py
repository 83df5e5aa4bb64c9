"""Payment verification (post-distribution monitoring): a random sample of a cycle's paid recipients, their answers,
and the estimated share of families that did not receive their money.

Sample size (Cochran, with finite-population correction):
    n0 = z^2 * p * (1 - p) / e^2,   n = ceil(n0 / (1 + (n0 - 1) / N))
with z the two-sided normal quantile of the confidence level, e the margin of error, p the expected proportion
(0.5 when unknown, the most conservative) and N the number of paid recipients. With strata (provinsi or
kabupaten/kota) n is allocated proportionally to the strata's sizes (largest remainder, at least one per stratum
while n allows), and the estimate is the stratified one: p = sum W_h p_h with
Var = sum W_h^2 (1 - n_h/N_h) p_h (1 - p_h) / (n_h - 1).
The draw is set-based and reproducible: recipients are ordered within their stratum by a seeded hash of their
payment id, and the first n_h are taken.
"""

from __future__ import annotations

import math
import secrets
from statistics import NormalDist
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from salur.core.access import require, require_in_scope, scope_q
from salur.core.audit import audit_record
from salur.core.bulk import copy_frame, read_frame
from salur.core.errors import NotFound, SalurError
from salur.cycles.models import Cycle
from salur.payments.models import VerificationAnswer, VerificationItem, VerificationSample

STRATA = {"": 0, "provinsi": 2, "kabupaten": 4}


def sample_size(
    population: int, *, confidence: float = 0.95, margin: float = 0.05, proportion: float = 0.5
) -> int:
    if population <= 0:
        return 0
    if not 0 < confidence < 1 or not 0 < margin < 1 or not 0 < proportion < 1:
        raise SalurError("Tingkat kepercayaan, margin galat dan proporsi harus di antara 0 dan 1")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    n0 = z * z * proportion * (1 - proportion) / (margin * margin)
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of n over strata (largest remainder), at least one per stratum while n allows."""
    total = sum(sizes.values())
    if total == 0 or n == 0:
        return dict.fromkeys(sizes, 0)
    exact = {k: n * v / total for k, v in sizes.items()}
    alloc = {k: min(sizes[k], math.floor(x)) for k, x in exact.items()}
    if n >= len(sizes):
        alloc = {k: max(1, v) for k, v in alloc.items()}
    while sum(alloc.values()) > n:  # the minimum of one took too much: give back where most over the share
        k = max((k for k in alloc if alloc[k] > 1), key=lambda k: (alloc[k] - exact[k], k))
        alloc[k] -= 1
    while sum(alloc.values()) < n:  # largest remainder first
        k = max((k for k in alloc if alloc[k] < sizes[k]), key=lambda k: (exact[k] - alloc[k], k))
        alloc[k] += 1
    return alloc


def sample_draw(
    *,
    actor: Any,
    code: str,
    confidence: float = 0.95,
    margin: float = 0.05,
    proportion: float = 0.5,
    stratify: str = "",
    seed: int | None = None,
) -> VerificationSample:
    require(actor, "payments.export")
    if stratify not in STRATA:
        raise SalurError("Strata harus kosong, 'provinsi' atau 'kabupaten'")
    cycle = Cycle.objects.filter(code=code.strip().upper()).first()
    if cycle is None:
        raise NotFound(f"Siklus {code} tidak ditemukan")
    paid = read_frame(
        "SELECT id, id_pembayaran, kode_wilayah FROM payments_payment"
        f" WHERE cycle_id = {int(cycle.pk)} AND status = 'DIBAYAR'",
        all_text=True,
    )
    if paid.height == 0:
        raise SalurError(f"Belum ada pembayaran berstatus DIBAYAR pada {cycle.code}")
    width = STRATA[stratify]
    paid = paid.with_columns(
        pl.col("id").cast(pl.Int64),
        (pl.col("kode_wilayah").str.slice(0, width) if width else pl.lit("")).alias("stratum"),
    )
    n = sample_size(paid.height, confidence=confidence, margin=margin, proportion=proportion)
    sizes = dict(paid.group_by("stratum").len().iter_rows())
    alloc = allocate(sizes, n)
    seed = seed if seed is not None else secrets.randbelow(2**31)
    chosen = (
        paid.with_columns(pl.col("id_pembayaran").hash(seed).alias("_h"))
        .with_columns(pl.col("_h").rank("ordinal").over("stratum").alias("_r"))
        .join(pl.DataFrame({"stratum": list(alloc), "_n": list(alloc.values())}), on="stratum")
        .filter(pl.col("_r") <= pl.col("_n"))
        .sort("id_pembayaran")
    )
    with transaction.atomic():
        sample = VerificationSample.objects.create(
            cycle=cycle,
            confidence=confidence,
            margin=margin,
            proportion=proportion,
            stratify=stratify,
            population=paid.height,
            size=chosen.height,
            seed=seed,
            created_by=actor,
        )
        copy_frame(
            "payments_verificationitem",
            chosen.select(
                pl.lit(sample.pk, dtype=pl.Int64).alias("sample_id"),
                pl.col("id").alias("payment_id"),
                "stratum",
                pl.lit("").alias("answer"),
                pl.lit("").alias("notes"),
                pl.lit("").alias("follow_up"),
            ),
        )
        audit_record(
            actor=actor,
            action="payments.sample_draw",
            object_type="payments.verificationsample",
            object_id=sample.pk,
            after={
                "cycle": cycle.code,
                "population": paid.height,
                "size": chosen.height,
                "confidence": confidence,
                "margin": margin,
                "stratify": stratify,
                "seed": seed,
            },
        )
    return sample


def answer_record(
    *, actor: Any, item_id: int, answer: str, amount_received: int | None = None, notes: str = ""
) -> VerificationItem:
    """Record one recipient's answer. "Not received" and "received less" open a grievance for follow-up."""
    require(actor, "payments.verify")
    if answer not in VerificationAnswer.values:
        raise SalurError("Jawaban harus diterima, tidak_diterima atau kurang")
    with transaction.atomic():
        item = (
            VerificationItem.objects.select_for_update()
            .select_related("payment", "sample__cycle")
            .filter(pk=item_id)
            .filter(scope_q(actor, "payment__kode_wilayah"))
            .first()
        )
        if item is None:
            raise NotFound("Sampel verifikasi tidak ditemukan")
        require_in_scope(actor, item.payment.kode_wilayah)
        nominal = item.payment.nominal
        if answer == VerificationAnswer.KURANG:
            if amount_received is None or not 0 <= amount_received < nominal:
                raise SalurError(f"Isi jumlah yang diterima (0 sampai kurang dari Rp{nominal})")
        elif answer == VerificationAnswer.DITERIMA:
            amount_received = nominal
        else:
            amount_received = 0
        before = {"answer": item.answer, "amount_received": item.amount_received}
        item.answer = answer
        item.amount_received = amount_received
        item.notes = notes.strip()[:2000]
        item.answered_by = actor
        item.answered_at = timezone.now()
        if answer != VerificationAnswer.DITERIMA and not item.follow_up:
            item.follow_up = _open_grievance(actor, item)
        item.save()
        audit_record(
            actor=actor,
            action="payments.verification_answer",
            object_type="payments.verificationitem",
            object_id=item.pk,
            before=before,
            after={"answer": answer, "amount_received": amount_received, "follow_up": item.follow_up},
        )
    return item


def _open_grievance(actor: Any, item: VerificationItem) -> str:
    from salur.grievances.models import Category, Channel
    from salur.grievances.services import grievance_create

    payment = item.payment
    category = (
        Category.TIDAK_DITERIMA
        if item.answer == VerificationAnswer.TIDAK_DITERIMA
        else Category.NOMINAL_KURANG
    )
    text = (
        f"Verifikasi pembayaran {payment.id_pembayaran} ({payment.program_code} {payment.period}): "
        f"{VerificationAnswer(item.answer).label.lower()}; diterima Rp{item.amount_received or 0} dari "
        f"Rp{payment.nominal}. {item.notes}"
    ).strip()
    grievance = grievance_create(
        actor=actor,
        category=category,
        channel=Channel.VERIFIKASI,
        kode_wilayah=payment.kode_wilayah,
        text=text,
        household=payment.household,
        source_ref=f"verifikasi:{item.pk}",
    )
    return str(getattr(grievance, "tracking_number", "") or getattr(grievance, "pk", ""))


def estimate(sample: VerificationSample) -> dict[str, Any]:
    """Share not received (and received less) with its interval at the sample's confidence level."""
    items = read_frame(
        f"SELECT i.stratum, i.answer FROM payments_verificationitem i WHERE i.sample_id = {int(sample.pk)}",
        all_text=True,
    )
    strata = read_frame(
        "SELECT SUBSTR(kode_wilayah, 1, %s) AS stratum, COUNT(*) AS n FROM payments_payment"
        " WHERE cycle_id = %s AND status = 'DIBAYAR' GROUP BY SUBSTR(kode_wilayah, 1, %s)",
        [STRATA[sample.stratify] or 0, sample.cycle_id, STRATA[sample.stratify] or 0],
        all_text=True,
    )
    if not sample.stratify:
        strata = pl.DataFrame({"stratum": [""], "n": [str(sample.population)]})
    answered = items.filter(pl.col("answer").fill_null("") != "")
    z = NormalDist().inv_cdf(1 - (1 - sample.confidence) / 2)
    out: dict[str, Any] = {
        "sample": sample.pk,
        "cycle": sample.cycle.code,
        "population": sample.population,
        "size": sample.size,
        "answered": answered.height,
        "confidence": sample.confidence,
    }
    for key, answers in (("not_received", ("tidak_diterima",)), ("received_less", ("kurang",))):
        if answered.height == 0:
            out[key] = {"share": None, "low": None, "high": None, "count": 0}
            continue
        per = (
            answered.group_by("stratum")
            .agg(pl.len().alias("n_h"), pl.col("answer").is_in(answers).sum().alias("x_h"))
            .join(
                strata.with_columns(pl.col("n").cast(pl.Int64).alias("N_h")).select("stratum", "N_h"),
                on="stratum",
            )
        )
        total = per["N_h"].sum()
        share = 0.0
        var = 0.0
        for n_h, x_h, big_n in per.select("n_h", "x_h", "N_h").iter_rows():
            w = big_n / total
            p = x_h / n_h
            share += w * p
            if n_h > 1:
                var += w * w * (1 - n_h / big_n) * p * (1 - p) / (n_h - 1)
        half = z * math.sqrt(var)
        out[key] = {
            "share": round(share, 4),
            "low": round(max(0.0, share - half), 4),
            "high": round(min(1.0, share + half), 4),
            "count": int(answered.filter(pl.col("answer").is_in(answers)).height),
        }
    return out
