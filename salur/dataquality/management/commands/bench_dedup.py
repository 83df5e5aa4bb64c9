"""`salur bench dedup --households N`: synth --dirty, then the duplicate finder over its persons, timed and scored
against the planted truth (precision and recall of person pairs; look-alikes wrongly paired)."""

from __future__ import annotations

import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from django.conf import settings

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed


class Command(SalurCommand):
    help = "Benchmark deteksi duplikat: synth --dirty N keluarga, jalankan pencari duplikat, ukur presisi/recall."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--threshold", type=float, default=None)
        parser.add_argument("--workdir", type=Path, default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        from salur.dataquality.batch.dedup import DEFAULT_THRESHOLD, find_duplicates, precision_recall
        from salur.dataquality.batch.exchange import persons_from_exchange

        n = options["households"]
        if n < 100:
            raise CommandFailed("--households minimal 100 (synth --dirty butuh ruang untuk menanam masalah)")
        threshold = options["threshold"] or DEFAULT_THRESHOLD
        workdir = options["workdir"] or Path(
            tempfile.mkdtemp(prefix="salur-bench-dedup-", dir=settings.VAR_DIR)
        )
        data = workdir / "data"
        if not (data / "truth_duplicates.csv").exists():
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "salur.cli",
                    "synth",
                    "--households",
                    str(n),
                    "--seed",
                    str(options["seed"]),
                    "--out",
                    str(data),
                    "--dirty",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                raise CommandFailed(f"synth gagal: {proc.stderr.strip().splitlines()[-1:]}")
        t0 = time.perf_counter()
        persons = persons_from_exchange(data)
        read_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        result = find_duplicates(persons, threshold=threshold)
        dedup_s = time.perf_counter() - t1
        ids = persons.select("id", "nik")
        found = (
            result.person_pairs.join(ids.rename({"id": "id_a", "nik": "nik_a"}), on="id_a")
            .join(ids.rename({"id": "id_b", "nik": "nik_b"}), on="id_b")
            .select("nik_a", "nik_b")
        )
        truth = pl.read_csv(data / "truth_duplicates.csv", infer_schema=False)
        looks = pl.read_csv(data / "truth_lookalikes.csv", infer_schema=False)
        scores = precision_recall(found, truth)
        lookalikes_paired = precision_recall(found, looks)["true_positives"]
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        payload = {
            "households": n,
            "seed": options["seed"],
            "persons": result.persons,
            "threshold": threshold,
            "precision": scores["precision"],
            "recall": scores["recall"],
            "pairs_found": scores["found"],
            "pairs_true": scores["truth"],
            "true_positives": scores["true_positives"],
            "lookalikes": looks.height,
            "lookalikes_paired": lookalikes_paired,
            "household_pairs": result.household_pairs.height,
            "compared_pairs": result.compared_pairs,
            "pairs_per_record": round(result.compared_pairs / max(1, result.persons), 3),
            "seconds": round(dedup_s, 2),
            "read_seconds": round(read_s, 2),
            "steps": {k: round(v, 2) for k, v in result.timings.items()},
            "peak_rss_mb": round(peak_mb),
            "cpus": __import__("os").cpu_count(),
            "python": platform.python_version(),
        }
        if options["json"]:
            self.emit_json(payload)
        else:
            self.stdout.write(
                f"{result.persons} orang: presisi {payload['precision']}, recall {payload['recall']} "
                f"({scores['true_positives']}/{scores['truth']}; {scores['found']} pasangan ditemukan), "
                f"mirip-tapi-beda dipasangkan {lookalikes_paired}/{looks.height}; {payload['compared_pairs']} "
                f"pasangan dibandingkan ({payload['pairs_per_record']} per orang); {payload['seconds']} detik; "
                f"memori puncak {payload['peak_rss_mb']} MB."
            )
