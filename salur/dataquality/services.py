"""Loading reference lists: set-based (Polars + bulk write), audited, one active version per list."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Max

from salur.core.access import in_scope, require
from salur.core.audit import audit_record
from salur.core.bulk import copy_frame
from salur.core.errors import NotFound, SalurError, UnreadableFile
from salur.core.hashing import file_sha256
from salur.dataquality.models import (
    LIST_FLAG,
    CrosscheckFlag,
    DedupRun,
    DuplicatePair,
    ListKind,
    ListRowCandidate,
    MergeRecord,
    PairKind,
    QualitySnapshot,
    ReferenceList,
)
from salur.registry.batch.validate import RE_16, RE_DATE, parse_date

# Beyond the contract: an optional kode_wilayah column (the person's desa or any prefix of it) narrows the name
# matching of rows without a usable NIK.
EXTRA_COLUMNS = ("kode_wilayah",)
OPTIONAL = {
    "asn": ("nama", "tanggal_lahir", "instansi"),
    "tni_polri": ("nama", "tanggal_lahir", "instansi"),
    "kematian": ("nama", "tanggal_lahir", "tanggal_meninggal"),
}


@dataclass
class ListLoadResult:
    kind: str
    version: int
    sha256: str
    read: int
    loaded: int
    rejected: int
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.kind,
            "version": self.version,
            "sha256": self.sha256,
            "read": self.read,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "problems": self.problems,
        }


def _read(path: Path, kind: str) -> pl.DataFrame:
    if not path.is_file():
        raise UnreadableFile(f"Berkas daftar tidak ditemukan: {path}")
    if path.stat().st_size == 0:
        raise UnreadableFile(f"Berkas daftar kosong: {path}")
    try:
        head = path.read_bytes()[:65536].decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("Berkas daftar bukan teks UTF-8; simpan ulang sebagai CSV UTF-8") from exc
    header = [h.strip().lower() for h in next(csv.reader([head.splitlines()[0] if head else ""]), [])]
    if "nik" not in header:
        raise UnreadableFile(f"Berkas daftar {kind} tidak punya kolom nik")
    try:
        frame = pl.read_csv(path, infer_schema=False, new_columns=header, truncate_ragged_lines=True)
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(
            f"Berkas daftar tidak dapat dibaca sebagai CSV: {str(exc).splitlines()[0]}"
        ) from exc
    for col in (*OPTIONAL[kind], *EXTRA_COLUMNS):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col))
    frame = frame.select("nik", *OPTIONAL[kind], *EXTRA_COLUMNS).with_columns(
        [pl.col(c).str.strip_chars().replace("", None) for c in ("nik", *OPTIONAL[kind], *EXTRA_COLUMNS)]
    )
    return frame.with_row_index("baris", offset=1)


def reference_list_load(*, actor: Any, kind: str, path: Path) -> ListLoadResult:
    """Load a list file: rows with a malformed nik are reported, not loaded; the new version replaces the old."""
    require(actor, "crosscheck.load")
    if kind not in ListKind.values:
        raise SalurError(f"Daftar '{kind}' tidak dikenal; pilihan: {', '.join(ListKind.values)}")
    frame = _read(path, kind)
    sha = file_sha256(path)
    bad_nik = ~pl.col("nik").fill_null("").str.contains(RE_16)
    date_cols = [c for c in ("tanggal_lahir", "tanggal_meninggal") if c in OPTIONAL[kind]]
    problems = frame.filter(bad_nik).select(
        "baris",
        pl.col("nik").fill_null(""),
        pl.lit("FORMAT_NIK").alias("kode"),
        pl.lit("NIK harus tepat 16 angka; baris ini tidak dimuat").alias("pesan"),
    )
    good = frame.filter(~bad_nik).unique("nik", keep="first", maintain_order=True)
    typed = good.select(
        "nik",
        pl.col("nama").fill_null("") if "nama" in good.columns else pl.lit(""),
        *[
            pl.when(pl.col(c).str.contains(RE_DATE)).then(parse_date(pl.col(c))).otherwise(None).alias(c)
            for c in date_cols
        ],
        (pl.col("instansi").fill_null("") if "instansi" in good.columns else pl.lit("")).alias("instansi"),
    )
    with transaction.atomic():
        latest = ReferenceList.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
        ReferenceList.objects.filter(kind=kind, active=True).update(active=False)
        ref = ReferenceList.objects.create(
            kind=kind,
            version=latest + 1,
            file_name=path.name,
            sha256=sha,
            rows_read=frame.height,
            rows_loaded=typed.height,
            rows_rejected=problems.height,
            loaded_by=actor if getattr(actor, "pk", None) else None,
        )
        rows = typed.with_columns(pl.lit(ref.pk, dtype=pl.Int64).alias("reference_list_id"))
        for col in ("tanggal_lahir", "tanggal_meninggal"):
            if col not in rows.columns:
                rows = rows.with_columns(pl.lit(None, dtype=pl.Date).alias(col))
        copy_frame(
            "dataquality_referenceentry",
            rows.select("reference_list_id", "nik", "nama", "tanggal_lahir", "instansi", "tanggal_meninggal"),
        )
        result = ListLoadResult(
            kind=kind,
            version=ref.version,
            sha256=sha,
            read=frame.height,
            loaded=typed.height,
            rejected=problems.height,
            problems=[
                {"baris": int(b), "nik": n, "kode": k, "pesan": p} for b, n, k, p in problems.iter_rows()
            ],
        )
        candidates = list_candidates_match(reference_list=ref, frame=frame, bad_nik=bad_nik)
        crosscheck_flags_refresh()
        result_detail = {"candidates": candidates}
        audit_record(
            actor=actor,
            action="dataquality.list.load",
            object_type="dataquality.referencelist",
            object_id=ref.pk,
            after={k: v for k, v in result.as_dict().items() if k != "problems"},
            detail={"file": path.name, **result_detail},
        )
    return result


def active_list_niks(kind: str) -> pl.Series:
    """NIKs on the active version of a list (empty when none is loaded)."""
    from salur.core.bulk import read_frame

    ref = ReferenceList.objects.filter(kind=kind, active=True).first()
    if ref is None:
        return pl.Series("nik", [], dtype=pl.Utf8)
    return read_frame(
        f"SELECT nik FROM dataquality_referenceentry WHERE reference_list_id = {int(ref.pk)}",
        schema={"nik": pl.String()},
    )["nik"]


# ------------------------------------------------------------------------------------------------------------
# Cross-check flags and name matching of list rows without a usable NIK
# ------------------------------------------------------------------------------------------------------------


def crosscheck_flags_refresh() -> int:
    """Rebuild the NIK flags from the active lists, set-based (three SQL statements); returns the flag count.

    Flags a reviewer confirmed from a name match stay while their list version is active.
    """
    from django.db import connection

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM dataquality_crosscheckflag WHERE by_nik = %s OR reference_list_id NOT IN "
            "(SELECT id FROM dataquality_referencelist WHERE active = %s)",
            [True, True],
        )
        for kind, flag in LIST_FLAG.items():
            cursor.execute(
                "INSERT INTO dataquality_crosscheckflag (member_id, kind, reference_list_id, by_nik) "
                "SELECT m.id, %s, l.id, %s FROM registry_member m "
                "JOIN dataquality_referenceentry e ON e.nik = m.nik "
                "JOIN dataquality_referencelist l ON l.id = e.reference_list_id "
                "WHERE l.active = %s AND l.kind = %s "
                "AND NOT EXISTS (SELECT 1 FROM dataquality_crosscheckflag f "
                "WHERE f.member_id = m.id AND f.kind = %s)",
                [str(flag), True, True, str(kind), str(flag)],
            )
        cursor.execute("SELECT COUNT(*) FROM dataquality_crosscheckflag")
        return int(cursor.fetchone()[0])


def list_candidates_match(*, reference_list: ReferenceList, frame: pl.DataFrame, bad_nik: pl.Expr) -> int:
    """Rows with a malformed NIK, or a NIK the registry does not hold, matched on name + birth date (+ region).

    Never a flag by itself: each match becomes a ListRowCandidate for a reviewer. A row needs a birth date or a
    region besides the name; a name alone matches too many people.
    """
    from salur.core.bulk import read_frame
    from salur.dataquality.batch.names import with_name_keys

    known = read_frame("SELECT nik FROM registry_member", schema={"nik": pl.String()})
    rows = frame.with_columns(
        tanggal_lahir=pl.when(pl.col("tanggal_lahir").str.contains(RE_DATE)).then(
            parse_date(pl.col("tanggal_lahir"))
        )
        if "tanggal_lahir" in frame.columns
        else pl.lit(None, dtype=pl.Date),
        kode_wilayah=pl.col("kode_wilayah").str.replace_all(r"\.", "").fill_null(""),
        nik_ok=~bad_nik,
    )
    rows = rows.filter(
        (~pl.col("nik_ok") | ~pl.col("nik").is_in(known["nik"].implode()))
        & pl.col("nama").is_not_null()
        & (pl.col("tanggal_lahir").is_not_null() | (pl.col("kode_wilayah") != ""))
    )
    if rows.height == 0:
        return 0
    rows = with_name_keys(rows).collect().filter(pl.col("nama_fon") != "")
    members = read_frame(
        "SELECT m.id AS member_id, m.nama AS nama_m, m.tanggal_lahir AS tgl_m, h.kode_wilayah AS wil_m "
        "FROM registry_member m JOIN registry_household h ON h.id = m.household_id",
        schema={"member_id": pl.Int64(), "nama_m": pl.String(), "tgl_m": pl.Date(), "wil_m": pl.String()},
    )
    members = (
        with_name_keys(members, "nama_m")
        .collect()
        .join(rows.select(nama_fon=pl.col("nama_fon")).unique(), on="nama_fon", how="semi")
        .filter(~pl.col("member_id").is_in(_merged_member_ids().implode()))
    )
    matched = rows.join(members, on="nama_fon", how="inner").filter(
        (pl.col("tanggal_lahir").is_null() | (pl.col("tanggal_lahir") == pl.col("tgl_m")))
        & ((pl.col("kode_wilayah") == "") | pl.col("wil_m").str.starts_with(pl.col("kode_wilayah")))
    )
    out = matched.select(
        reference_list_id=pl.lit(reference_list.pk, dtype=pl.Int64),
        baris=pl.col("baris").cast(pl.Int64),
        nik_list=pl.col("nik").fill_null("").str.slice(0, 40),
        nama=pl.col("nama").str.slice(0, 100),
        tanggal_lahir=pl.col("tanggal_lahir"),
        kode_wilayah=pl.col("kode_wilayah").str.slice(0, 10),
        member_id=pl.col("member_id"),
        kode_wilayah_member=pl.col("wil_m"),
        alasan=pl.concat_str(
            pl.lit("nama sama (setelah dinormalkan)"),
            pl.when(pl.col("tanggal_lahir").is_not_null())
            .then(pl.lit(", tanggal lahir sama"))
            .otherwise(pl.lit("")),
            pl.when(pl.col("kode_wilayah") != "").then(pl.lit(", wilayah sama")).otherwise(pl.lit("")),
            pl.when(pl.col("nik_ok"))
            .then(pl.lit("; NIK daftar tidak ada di registri"))
            .otherwise(pl.lit("; NIK daftar tidak sah")),
        ),
        status=pl.lit("baru"),
    ).unique(["baris", "member_id"])
    return copy_frame("dataquality_listrowcandidate", out)


def _merged_member_ids() -> pl.Series:
    from salur.core.bulk import read_frame

    return read_frame(
        "SELECT member_id FROM dataquality_mergerecord WHERE member_id IS NOT NULL UNION "
        "SELECT m.id FROM registry_member m JOIN dataquality_mergerecord r ON r.household_id = m.household_id",
        schema={"member_id": pl.Int64()},
    )["member_id"]


def list_candidate_decide(*, actor: Any, candidate_id: int, confirm: bool) -> ListRowCandidate:
    """A reviewer's answer on a name match: confirmed, the member is flagged (by_nik False); else dismissed."""
    from django.utils import timezone

    require(actor, "dedup.review")
    with transaction.atomic():
        cand = (
            ListRowCandidate.objects.select_for_update()
            .select_related("reference_list")
            .filter(pk=candidate_id)
            .first()
        )
        if cand is None or not in_scope(actor, cand.kode_wilayah_member):
            raise NotFound("Kandidat tidak ditemukan")
        if cand.status != ListRowCandidate.Status.OPEN:
            raise SalurError("Kandidat ini sudah diputuskan")
        before = {"status": cand.status}
        cand.status = ListRowCandidate.Status.CONFIRMED if confirm else ListRowCandidate.Status.DISMISSED
        cand.decided_by = actor
        cand.decided_at = timezone.now()
        cand.save(update_fields=["status", "decided_by", "decided_at"])
        if confirm and cand.reference_list.active:
            CrosscheckFlag.objects.get_or_create(
                member_id=cand.member_id,
                kind=LIST_FLAG[ListKind(cand.reference_list.kind)],
                defaults={"reference_list": cand.reference_list, "by_nik": False},
            )
        audit_record(
            actor=actor,
            action="dataquality.listcandidate.decide",
            object_type="dataquality.listrowcandidate",
            object_id=cand.pk,
            before=before,
            after={"status": cand.status, "member_id": cand.member_id, "list": cand.reference_list.kind},
        )
    return cand


# ------------------------------------------------------------------------------------------------------------
# Duplicate runs and decisions
# ------------------------------------------------------------------------------------------------------------

PERSONS_SQL = (
    "SELECT m.id, m.nik, m.household_id, h.kode_wilayah, m.nama, m.jenis_kelamin, m.tanggal_lahir, m.nama_ibu, "
    "m.tempat_lahir FROM registry_member m JOIN registry_household h ON h.id = m.household_id "
    "WHERE NOT EXISTS (SELECT 1 FROM dataquality_mergerecord r WHERE r.member_id = m.id "
    "OR r.household_id = m.household_id)"
)


def persons_read() -> pl.DataFrame:
    from salur.core.bulk import read_frame
    from salur.dataquality.batch.dedup import PERSON_COLUMNS

    return read_frame(PERSONS_SQL, schema={k: v() for k, v in PERSON_COLUMNS.items()})


def _fingerprints(persons: pl.DataFrame) -> pl.DataFrame:
    """id -> a digest of what the comparison reads; household_id -> the digest of its members'."""
    person = persons.select(
        "id",
        "household_id",
        "kode_wilayah",
        fp=pl.concat_str(
            [
                pl.col(c).cast(pl.String).fill_null("")
                for c in (
                    "nik",
                    "nama",
                    "jenis_kelamin",
                    "tanggal_lahir",
                    "nama_ibu",
                    "tempat_lahir",
                    "kode_wilayah",
                )
            ],
            separator="|",
        ),
    )
    return person


def _digest(expr: pl.Expr) -> pl.Expr:
    import hashlib

    return expr.map_elements(lambda v: hashlib.sha256(v.encode()).hexdigest()[:32], return_dtype=pl.String)


def dedup_run(*, actor: Any, threshold: float | None = None) -> DedupRun:
    """Find candidate pairs over the whole registry and store them (audited). Idempotent: a rerun updates the
    open pairs' scores, adds new pairs, reopens a dismissed pair only when one of its records changed."""
    import time

    from django.db import connection
    from django.utils import timezone

    from salur.core.bulk import read_frame
    from salur.dataquality.batch.dedup import DEFAULT_THRESHOLD, find_duplicates

    require(actor, "dedup.run")
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    t0 = time.perf_counter()
    persons = persons_read()
    result = find_duplicates(persons, threshold=threshold)
    fp = _fingerprints(persons)
    per_person = fp.select("id", "household_id", "kode_wilayah", "fp")
    hh_fp = (
        fp.sort("id")
        .group_by("household_id")
        .agg(fp=pl.col("fp").str.join("#"), kode_wilayah=pl.col("kode_wilayah").first())
    )
    pp = (
        result.person_pairs.join(per_person.rename(lambda c: c + "_a"), left_on="id_a", right_on="id_a")
        .join(per_person.rename(lambda c: c + "_b"), left_on="id_b", right_on="id_b")
        .select(
            kind=pl.lit("orang"),
            member_a_id=pl.col("id_a"),
            member_b_id=pl.col("id_b"),
            household_a_id=pl.col("household_id_a"),
            household_b_id=pl.col("household_id_b"),
            wilayah_a=pl.col("kode_wilayah_a"),
            wilayah_b=pl.col("kode_wilayah_b"),
            skor=pl.col("skor").round(4),
            alasan=pl.col("alasan").str.slice(0, 400),
            metode=pl.col("metode"),
            fingerprint=_digest(pl.concat_str("fp_a", "fp_b", separator="||")),
        )
    )
    hp = (
        result.household_pairs.join(
            hh_fp.rename(lambda c: c + "_a"), left_on="household_a", right_on="household_id_a"
        )
        .join(hh_fp.rename(lambda c: c + "_b"), left_on="household_b", right_on="household_id_b")
        .select(
            kind=pl.lit("keluarga"),
            member_a_id=pl.lit(None, dtype=pl.Int64),
            member_b_id=pl.lit(None, dtype=pl.Int64),
            household_a_id=pl.col("household_a"),
            household_b_id=pl.col("household_b"),
            wilayah_a=pl.col("kode_wilayah_a"),
            wilayah_b=pl.col("kode_wilayah_b"),
            skor=pl.col("skor").round(4),
            alasan=pl.col("alasan").str.slice(0, 400),
            metode=pl.lit("keluarga"),
            fingerprint=_digest(pl.concat_str("fp_a", "fp_b", separator="||")),
        )
    )
    found = pl.concat([pp, hp])
    found = found.with_columns(
        key=pl.when(pl.col("kind") == "orang")
        .then(pl.format("o{}-{}", "member_a_id", "member_b_id"))
        .otherwise(pl.format("k{}-{}", "household_a_id", "household_b_id"))
    )
    with transaction.atomic():
        run = DedupRun.objects.create(
            started_by=actor if getattr(actor, "pk", None) else None,
            persons=result.persons,
            compared_pairs=result.compared_pairs,
            person_pairs=pp.height,
            household_pairs=hp.height,
            threshold=threshold,
        )
        existing = read_frame(
            "SELECT id, kind, member_a_id, member_b_id, household_a_id, household_b_id, status, fingerprint "
            "FROM dataquality_duplicatepair",
            schema={
                "id": pl.Int64(),
                "kind": pl.String(),
                "member_a_id": pl.Int64(),
                "member_b_id": pl.Int64(),
                "household_a_id": pl.Int64(),
                "household_b_id": pl.Int64(),
                "status": pl.String(),
                "fingerprint": pl.String(),
            },
        ).with_columns(
            key=pl.when(pl.col("kind") == "orang")
            .then(pl.format("o{}-{}", "member_a_id", "member_b_id"))
            .otherwise(pl.format("k{}-{}", "household_a_id", "household_b_id"))
        )
        new = found.join(existing.select("key"), on="key", how="anti").drop("key")
        copy_frame(
            "dataquality_duplicatepair",
            new.with_columns(
                status=pl.lit("baru"),
                first_run_id=pl.lit(run.pk, dtype=pl.Int64),
                last_run_id=pl.lit(run.pk, dtype=pl.Int64),
                note=pl.lit(""),
            ),
        )
        again = found.join(
            existing.select("key", "id", "status", old_fp="fingerprint"), on="key", how="inner"
        )
        # open pairs get the new score; a dismissed pair whose records changed comes back; a merged one stays
        refresh = again.filter(
            (pl.col("status") == "baru")
            | ((pl.col("status") == "ditolak") & (pl.col("fingerprint") != pl.col("old_fp")))
        )
        reopened = refresh.filter(pl.col("status") == "ditolak").height
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE dataquality_duplicatepair SET skor = %s, alasan = %s, fingerprint = %s, last_run_id = %s, "
                "status = 'baru', decided_by_id = NULL, decided_at = NULL WHERE id = %s",
                [
                    (skor, alasan, f, run.pk, pid)
                    for skor, alasan, f, pid in refresh.select(
                        "skor", "alasan", "fingerprint", "id"
                    ).iter_rows()
                ],
            )
        run.new_pairs = new.height
        run.finished_at = timezone.now()
        run.seconds = round(time.perf_counter() - t0, 3)
        run.save(update_fields=["new_pairs", "finished_at", "seconds"])
        audit_record(
            actor=actor,
            action="dataquality.dedup.run",
            object_type="dataquality.dedup_run",
            object_id=run.pk,
            after={
                "persons": run.persons,
                "person_pairs": run.person_pairs,
                "household_pairs": run.household_pairs,
                "new_pairs": run.new_pairs,
                "reopened": reopened,
                "threshold": threshold,
            },
        )
    return run


def pair_decide(*, actor: Any, pair_id: int, merge: bool, keep: str = "a", note: str = "") -> DuplicatePair:
    """A reviewer's decision. merge: keep one record (keep = "a" or "b"), mark the other duplicate (MergeRecord:
    left out of future cycles and runs, its history shown on the kept record). Otherwise dismiss: the pair does
    not come back unless one of its records changes."""
    from django.utils import timezone

    require(actor, "dedup.review")
    if keep not in ("a", "b"):
        raise SalurError("Pilih data yang dipertahankan: a atau b")
    with transaction.atomic():
        pair = DuplicatePair.objects.select_for_update().filter(pk=pair_id).first()
        if pair is None or not (in_scope(actor, pair.wilayah_a) and in_scope(actor, pair.wilayah_b)):
            raise NotFound("Pasangan tidak ditemukan")
        if pair.status != DuplicatePair.Status.OPEN:
            raise SalurError("Pasangan ini sudah diputuskan")
        before = {"status": pair.status}
        after: dict[str, Any] = {}
        if merge:
            person = pair.kind == PairKind.PERSON
            loser_m = (pair.member_b_id if keep == "a" else pair.member_a_id) if person else None
            keeper_m = (pair.member_a_id if keep == "a" else pair.member_b_id) if person else None
            loser_h = pair.household_b_id if keep == "a" else pair.household_a_id
            keeper_h = pair.household_a_id if keep == "a" else pair.household_b_id
            taken = (
                MergeRecord.objects.filter(member__pk=loser_m or 0).exists()
                if person
                else MergeRecord.objects.filter(household_id=loser_h).exists()
            )
            if taken:
                raise SalurError("Data ini sudah ditandai duplikat dalam keputusan lain")
            MergeRecord.objects.create(
                pair=pair,
                member_id=loser_m,
                household_id=None if person else loser_h,
                merged_into_member_id=keeper_m,
                merged_into_household_id=keeper_h,
                by=actor,
            )
            pair.status = DuplicatePair.Status.MERGED
            after = {
                "status": pair.status,
                "kept": keep,
                "duplicate_member": loser_m,
                "kept_member": keeper_m,
                "duplicate_household": None if person else loser_h,
                "kept_household": keeper_h,
            }
        else:
            pair.status = DuplicatePair.Status.DISMISSED
            after = {"status": pair.status}
        pair.decided_by = actor
        pair.decided_at = timezone.now()
        pair.note = note[:300]
        pair.save(update_fields=["status", "decided_by", "decided_at", "note"])
        audit_record(
            actor=actor,
            action="dataquality.pair.merge" if merge else "dataquality.pair.dismiss",
            object_type="dataquality.duplicatepair",
            object_id=pair.pk,
            before=before,
            after=after,
            detail={"note": note[:300]} if note else None,
        )
    return pair


# ------------------------------------------------------------------------------------------------------------
# Quality figures
# ------------------------------------------------------------------------------------------------------------

QUALITY_METRICS: dict[str, str] = {
    "anggota": "Anggota",
    "keluarga": "Keluarga",
    "nik_tidak_valid": "NIK tidak sah (kecamatan tidak dikenal)",
    "nik_tgl_lahir": "NIK tidak cocok dengan tanggal lahir",
    "nik_jenis_kelamin": "NIK tidak cocok dengan jenis kelamin",
    "kepala_tidak_satu": "Keluarga tanpa tepat satu kepala",
    "duplikat": "Anggota dalam pasangan duplikat",
    "asn": "ASN",
    "tni_polri": "TNI/Polri",
    "meninggal": "Meninggal",
}


def quality_figures(prefixes: tuple[str, ...] = ()) -> pl.DataFrame:
    """Per kabupaten/kota (4-digit code): the figures of QUALITY_METRICS, set-based (a few GROUP BY queries)."""
    from salur.core.bulk import read_frame

    def q(sql: str, cols: dict[str, Any]) -> pl.DataFrame:
        return read_frame(sql, schema=cols)

    i64 = pl.Int64()
    kab = pl.String()
    members = q(
        "SELECT substr(h.kode_wilayah, 1, 4) AS kab, COUNT(*) AS anggota, "
        "SUM(CASE WHEN m.flags LIKE '%%NIK_WILAYAH%%' THEN 1 ELSE 0 END) AS nik_tidak_valid, "
        "SUM(CASE WHEN m.flags LIKE '%%NIK_TGL_LAHIR%%' THEN 1 ELSE 0 END) AS nik_tgl_lahir, "
        "SUM(CASE WHEN m.flags LIKE '%%NIK_JENIS_KELAMIN%%' THEN 1 ELSE 0 END) AS nik_jenis_kelamin "
        "FROM registry_member m JOIN registry_household h ON h.id = m.household_id GROUP BY 1",
        {"kab": kab, "anggota": i64, "nik_tidak_valid": i64, "nik_tgl_lahir": i64, "nik_jenis_kelamin": i64},
    )
    households = q(
        "SELECT substr(h.kode_wilayah, 1, 4) AS kab, COUNT(*) AS keluarga, "
        "SUM(CASE WHEN COALESCE(k.heads, 0) <> 1 THEN 1 ELSE 0 END) AS kepala_tidak_satu "
        "FROM registry_household h LEFT JOIN (SELECT household_id, COUNT(*) AS heads FROM registry_member "
        "WHERE hubungan = 'kepala_keluarga' GROUP BY household_id) k ON k.household_id = h.id GROUP BY 1",
        {"kab": kab, "keluarga": i64, "kepala_tidak_satu": i64},
    )
    dups = q(
        "SELECT substr(w, 1, 4) AS kab, COUNT(DISTINCT mid) AS duplikat FROM ("
        "SELECT member_a_id AS mid, wilayah_a AS w FROM dataquality_duplicatepair "
        "WHERE kind = 'orang' AND status IN ('baru', 'digabung') UNION "
        "SELECT member_b_id, wilayah_b FROM dataquality_duplicatepair "
        "WHERE kind = 'orang' AND status IN ('baru', 'digabung')) x GROUP BY 1",
        {"kab": kab, "duplikat": i64},
    )
    flags = q(
        "SELECT substr(h.kode_wilayah, 1, 4) AS kab, "
        "SUM(CASE WHEN f.kind = 'ASN' THEN 1 ELSE 0 END) AS asn, "
        "SUM(CASE WHEN f.kind = 'TNI_POLRI' THEN 1 ELSE 0 END) AS tni_polri, "
        "SUM(CASE WHEN f.kind = 'MENINGGAL' THEN 1 ELSE 0 END) AS meninggal "
        "FROM dataquality_crosscheckflag f JOIN registry_member m ON m.id = f.member_id "
        "JOIN registry_household h ON h.id = m.household_id GROUP BY 1",
        {"kab": kab, "asn": i64, "tni_polri": i64, "meninggal": i64},
    )
    out = households
    for other in (members, dups, flags):
        out = out.join(other, on="kab", how="full", coalesce=True)
    out = out.with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in QUALITY_METRICS]).select(
        "kab", *QUALITY_METRICS
    )
    if prefixes:
        keep = pl.lit(False)
        for p in prefixes:
            keep = keep | pl.col("kab").str.starts_with(p[:4]) | pl.lit(p[:4]).str.starts_with(pl.col("kab"))
        out = out.filter(keep)
    return out.sort("kab")


def quality_snapshot_record(*, job: Any = None) -> None:
    """Compute and store the quality figures of every kabupaten/kota (the trend); called after each import."""
    crosscheck_flags_refresh()
    figures = quality_figures()
    with transaction.atomic():
        QualitySnapshot.objects.bulk_create(
            [
                QualitySnapshot(
                    job=job, kode_wilayah=row["kab"], figures={k: row[k] for k in QUALITY_METRICS}
                )
                for row in figures.iter_rows(named=True)
            ]
        )
