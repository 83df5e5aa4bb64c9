"""`salur bench targeting --households N`: synth, import into a throwaway database (not timed), then time
`salur targeting score` (twice: the first run writes every row, the second finds nothing changed) and
`salur targeting calibrate`, each as its own process, with the peak memory of the timed processes."""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed
from salur.registry.management.commands.bench_import import _throwaway_url


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, dict[str, Any], int]:
    """Run a command, return (seconds, its JSON output, its peak resident memory in MB)."""
    t0 = time.perf_counter()
    # /usr/bin/time would need a package; the peak of the child is read from a wrapper instead
    wrapper = [
        sys.executable,
        "-c",
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        " sys.stdout.write(r.stdout); sys.stderr.write(r.stderr);"
        " sys.stderr.write('\\nPEAK_KB=%d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
        " sys.exit(r.returncode)",
        *cmd,
    ]
    proc = subprocess.run(wrapper, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise CommandFailed(f"{' '.join(cmd[3:5])} gagal: {proc.stderr.strip().splitlines()[-2:]}")
    peak = [line for line in proc.stderr.splitlines() if line.startswith("PEAK_KB=")]
    peak_mb = int(peak[-1].split("=")[1]) // 1024 if peak else 0
    out = proc.stdout.strip()
    return seconds, json.loads(out) if out.startswith("{") else {}, peak_mb


class Command(SalurCommand):
    help = "Benchmark penargetan: synth N keluarga, impor ke basis data sekali pakai, lalu ukur waktu skor dan kalibrasi PMT."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--database-url",
            default=os.environ.get("DATABASE_URL", ""),
            help="server to benchmark on (default: DATABASE_URL; SQLite when empty)",
        )
        parser.add_argument("--workdir", type=Path, default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        n = options["households"]
        if n < 1:
            raise CommandFailed("--households harus 1 atau lebih")
        workdir = options["workdir"] or Path(tempfile.mkdtemp(prefix="salur-bench-", dir=settings.VAR_DIR))
        workdir.mkdir(parents=True, exist_ok=True)
        salur = [sys.executable, "-m", "salur.cli"]
        data = workdir / "data"
        if not (data / "keluarga.csv").exists():
            _run(
                [*salur, "synth", "--households", str(n), "--seed", str(options["seed"]), "--out", str(data)]
            )
        url, drop = _throwaway_url(options["database_url"], workdir, "salur_bench_targeting")
        env = {**os.environ, "DATABASE_URL": url, "SALUR_VAR_DIR": str(workdir / "var")}
        try:
            subprocess.run([*salur, "setup"], env=env, check=True, capture_output=True)
            import_s, _, _ = _run(
                [
                    *salur,
                    "import",
                    "registry",
                    "--keluarga",
                    str(data / "keluarga.csv"),
                    "--anggota",
                    str(data / "anggota.csv"),
                    "--json",
                ],
                env,
            )
            first_s, first, first_mb = _run([*salur, "targeting", "score", "--json"], env)
            second_s, second, second_mb = _run([*salur, "targeting", "score", "--json"], env)
            cal_s, cal, cal_mb = _run([*salur, "targeting", "calibrate", "--json"], env)
        finally:
            drop()  # type: ignore[operator]
        result = {
            "backend": "postgresql" if options["database_url"].startswith("postgres") else "sqlite",
            "households": first.get("households"),
            "import_seconds": round(import_s, 2),
            "score_seconds": round(first_s, 2),
            "score_rows_changed": first.get("changed"),
            "score_seconds_in_process": first.get("seconds"),
            "score_peak_memory_mb": first_mb,
            "rescore_seconds": round(second_s, 2),
            "rescore_rows_changed": second.get("changed"),
            "rescore_peak_memory_mb": second_mb,
            "calibrate_seconds": round(cal_s, 2),
            "calibrate_sample": cal.get("sample"),
            "calibrate_peak_memory_mb": cal_mb,
            "calibration": {k: cal.get(k) for k in ("before", "after", "after_in_sample")},
            "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
            "children_peak_memory_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        }
        if not options["workdir"]:
            shutil.rmtree(workdir, ignore_errors=True)
        if options["json"]:
            self.emit_json(result)
        else:
            for k, v in result.items():
                self.stdout.write(f"{k}: {v}")
