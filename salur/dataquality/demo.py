"""`salur demo` step of dataquality: small reference lists drawn from the demo registry (fixed seed), a few
people registered a second time in another family (as a clerk would), a duplicate run, and a queue to review.

Idempotent: lists, re-registrations and the run are made once; a second `salur demo` reuses them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

SEED = 2024
LISTS = {"asn": 40, "tni_polri": 25, "kematian": 60}
REREGISTERED = 12  # people the demo registers twice, under a new NIK in another household of their kabupaten


def _people() -> pl.DataFrame:
    from salur.core.bulk import read_frame

    return read_frame(
        "SELECT m.id, m.nik, m.nama, m.tanggal_lahir, m.jenis_kelamin, h.kode_wilayah, m.household_id "
        "FROM registry_member m JOIN registry_household h ON h.id = m.household_id ORDER BY m.id",
        schema={
            "id": pl.Int64(),
            "nik": pl.String(),
            "nama": pl.String(),
            "tanggal_lahir": pl.Date(),
            "jenis_kelamin": pl.String(),
            "kode_wilayah": pl.String(),
            "household_id": pl.Int64(),
        },
    )


def _write_lists(people: pl.DataFrame, out: Path) -> dict[str, Path]:
    adults = people.filter(pl.col("tanggal_lahir").dt.year() < 2000)
    picked = adults.sample(sum(LISTS.values()) + 3, seed=SEED, shuffle=True)
    paths, start = {}, 0
    for kind, n in LISTS.items():
        rows = picked.slice(start, n)
        start += n
        if kind == "kematian":
            frame = rows.select("nik", "nama", tanggal_meninggal=pl.lit("2024-03-01"))
        else:
            frame = rows.select(
                "nik", "nama", "tanggal_lahir", instansi=pl.lit("Pemda" if kind == "asn" else "TNI AD")
            )
        if kind == "asn":
            # three rows a clerk typed without a usable NIK: matched on name, birth date and region for review
            extra = picked.slice(start, 3).select(
                nik=pl.lit("-"),
                nama=pl.col("nama").str.to_uppercase(),
                tanggal_lahir="tanggal_lahir",
                instansi=pl.lit("Pemda"),
                kode_wilayah="kode_wilayah",
            )
            frame = pl.concat(
                [
                    frame.with_columns(kode_wilayah=pl.lit("")),
                    extra.cast(dict(frame.schema) | {"kode_wilayah": pl.String()}),  # type: ignore[arg-type]
                ],
                how="diagonal_relaxed",
            )
        path = out / f"dq_{kind}.csv"
        frame.write_csv(path)
        paths[kind] = path
    return paths


def _reregister(people: pl.DataFrame, admin: Any, log: Callable[[str], None]) -> None:
    """A few people entered again under a new NIK (another serial) in another household of their kabupaten."""
    from salur.registry.models import Household, Member
    from salur.registry.services import member_create

    if (
        Member.objects.filter(nama__endswith=" (demo ganda)").exists()
        or Member.objects.filter(tempat_lahir="Demo Ganda").exists()
    ):
        return
    chosen = people.filter(pl.col("tanggal_lahir").dt.year() < 1990).sample(REREGISTERED, seed=SEED + 1)
    spellings = (("u", "oe"), ("i", "y"), ("j", "dj"), ("c", "tj"))
    made = 0
    for i, row in enumerate(chosen.iter_rows(named=True)):
        target = (
            Household.objects.filter(wilayah__kode__startswith=row["kode_wilayah"][:4])
            .exclude(pk=row["household_id"])
            .order_by("id")[i * 7 : i * 7 + 1]
            .first()
        )
        if target is None:
            continue
        old, new = spellings[i % len(spellings)]
        nama = row["nama"].replace(old, new, 1) if old in row["nama"] else row["nama"]
        nik = row["nik"][:12] + f"{9000 + i:04d}"
        if Member.objects.filter(nik=nik).exists():
            continue
        src = Member.objects.get(pk=row["id"])
        member_create(
            actor=admin,
            household=target,
            data={
                "nik": nik,
                "nama": nama,
                "jenis_kelamin": src.jenis_kelamin,
                "tempat_lahir": src.tempat_lahir,
                "tanggal_lahir": str(src.tanggal_lahir),
                "hubungan": "famili_lain",
                "status_kawin": src.status_kawin,
                "pendidikan": src.pendidikan,
                "sekolah": "",
                "pekerjaan": src.pekerjaan,
                "disabilitas": src.disabilitas,
                "hamil": "0",
                "nama_ibu": src.nama_ibu,
            },
        )
        made += 1
    log(f"Kualitas data: {made} orang didaftarkan ulang di KK lain (untuk antrean duplikat).")


def run(users: dict[str, Any], log: Callable[[str], None]) -> None:
    from salur.dataquality.models import DedupRun, DuplicatePair, ReferenceList
    from salur.dataquality.services import (
        dedup_run,
        pair_decide,
        quality_snapshot_record,
        reference_list_load,
    )

    admin = users.get("demo_admin")
    if admin is None:
        return
    if DedupRun.objects.exists():
        log(
            f"Kualitas data: sudah ada ({DuplicatePair.objects.filter(status='baru').count()} pasangan menunggu); "
            "dipakai ulang."
        )
        return
    people = _people()
    if people.height == 0:
        return
    out = Path(settings.VAR_DIR) / "demo"
    out.mkdir(parents=True, exist_ok=True)
    if not ReferenceList.objects.filter(file_name__startswith="dq_").exists():
        for kind, path in _write_lists(people, out).items():
            result = reference_list_load(actor=admin, kind=kind, path=path)
            log(
                f"Kualitas data: daftar {kind} dimuat ({result.loaded} baris, {result.rejected} tanpa NIK sah)."
            )
    _reregister(people, admin, log)
    run_ = dedup_run(actor=admin)
    log(
        f"Kualitas data: deteksi duplikat {run_.persons} orang, {run_.person_pairs} pasangan orang, "
        f"{run_.household_pairs} pasangan keluarga, {run_.seconds:.0f} detik."
    )
    reviewer = users.get("verifikator_pusat")
    if reviewer is not None:
        open_pairs = list(
            DuplicatePair.objects.filter(kind="orang", status="baru").order_by("-skor", "id")[:2]
        )
        if len(open_pairs) == 2:
            pair_decide(actor=reviewer, pair_id=open_pairs[0].pk, merge=True, keep="a", note="contoh demo")
            pair_decide(actor=reviewer, pair_id=open_pairs[1].pk, merge=False, note="contoh demo")
    quality_snapshot_record()
