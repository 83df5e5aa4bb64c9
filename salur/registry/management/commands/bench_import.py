"""`salur bench import --households N`: synth, then import into a throwaway database, timed, with peak memory."""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed


def _throwaway_url(base_url: str, workdir: Path, prefix: str) -> tuple[str, object]:
    if base_url.startswith(("postgres://", "postgresql://")):
        import psycopg

        server = base_url.rsplit("/", 1)[0]
        # Unique per process and run, so that benchmarks started side by side on one server never collide.
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(server + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return f"{server}/{name}", drop
    return f"sqlite:///{workdir / 'bench.sqlite3'}", lambda: None


TIMINGS_PREFIX = "import timings (s): "


def _stage_timings(stderr: str) -> dict[str, float]:
    """The per-stage seconds the import logs (logger salur.registry.import, level INFO), if it logged them."""
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        message = entry.get("message", "") if isinstance(entry, dict) else ""
        if message.startswith(TIMINGS_PREFIX):
            return json.loads(message[len(TIMINGS_PREFIX) :])
    return {}


class Command(SalurCommand):
    help = "Benchmark impor: synth N keluarga lalu impor ke basis data sekali pakai; cetak baris/detik dan memori puncak."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--database-url",
            default=os.environ.get("DATABASE_URL", ""),
            help="server to benchmark on (default: DATABASE_URL; SQLite when empty)",
        )
        parser.add_argument(
            "--repeat", type=int, default=1, help="import runs (fresh database each); median reported"
        )
        parser.add_argument(
            "--db-prefix",
            default="salur_bench",
            help="name prefix of the throwaway PostgreSQL databases (letters, digits, _)",
        )
        parser.add_argument("--workdir", type=Path, default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        n = options["households"]
        if n < 1:
            raise CommandFailed("--households harus 1 atau lebih")
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,30}", options["db_prefix"]):
            raise CommandFailed(
                "--db-prefix hanya boleh huruf kecil, angka dan _ (paling banyak 31 karakter)"
            )
        workdir = options["workdir"] or Path(tempfile.mkdtemp(prefix="salur-bench-", dir=settings.VAR_DIR))
        workdir.mkdir(parents=True, exist_ok=True)
        salur = [sys.executable, "-m", "salur.cli"]
        # The children run as in an installed deployment, from compiled bytecode (written by the first child,
        # synth): with PYTHONDONTWRITEBYTECODE set, every import would compile each module again (about 1.5 s).
        base_env = {k: val for k, val in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        t0 = time.perf_counter()
        synth = subprocess.run(
            [
                *salur,
                "synth",
                "--households",
                str(n),
                "--seed",
                str(options["seed"]),
                "--out",
                str(workdir / "data"),
                "--json",
            ],
            capture_output=True,
            text=True,
            check=False,
            env=base_env,
        )
        if synth.returncode != 0:
            raise CommandFailed(f"synth gagal: {synth.stderr.strip().splitlines()[-1:]}")
        synth_s = time.perf_counter() - t0
        runs = []
        for i in range(options["repeat"]):
            url, drop = _throwaway_url(options["database_url"], workdir / f"run{i}", options["db_prefix"])
            (workdir / f"run{i}").mkdir(exist_ok=True)
            # The import alone: the data-quality snapshot that follows an import is measured by `salur bench dedup`.
            env = {
                **base_env,
                "DATABASE_URL": url,
                "SALUR_VAR_DIR": str(workdir / f"run{i}" / "var"),
                "SALUR_QUALITY_AFTER_IMPORT": "0",
                # The import logs its stage timings at INFO; the benchmark reports them.
                "SALUR_LOG_LEVEL": "INFO",
            }
            try:
                subprocess.run([*salur, "setup"], env=env, check=True, capture_output=True)
                t1 = time.perf_counter()
                proc = subprocess.run(
                    [
                        *salur,
                        "import",
                        "registry",
                        "--keluarga",
                        str(workdir / "data" / "keluarga.csv"),
                        "--anggota",
                        str(workdir / "data" / "anggota.csv"),
                        "--json",
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                seconds = time.perf_counter() - t1
                if proc.returncode not in (0, 1):
                    raise CommandFailed(f"impor gagal: {proc.stderr.strip().splitlines()[-1:]}")
                summary = json.loads(proc.stdout)
            finally:
                drop()  # type: ignore[operator]
            runs.append((seconds, summary, _stage_timings(proc.stderr)))
        # Peak resident memory of the largest child (the import: synth runs alone before it).
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        runs.sort(key=lambda r: r[0])
        seconds, summary, stages = runs[len(runs) // 2]
        members = summary["members"]["read"]
        households = summary["households"]["read"]
        result = {
            "backend": "postgresql" if options["database_url"].startswith("postgres") else "sqlite",
            "households": households,
            "members": members,
            "synth_seconds": round(synth_s, 2),
            "import_seconds": round(seconds, 2),
            "import_seconds_all": [round(r[0], 2) for r in sorted(runs, key=lambda r: r[0])],
            "member_rows_per_second": round(members / seconds),
            "rows_per_second": round((members + households) / seconds),
            "peak_memory_mb": round(peak_mb),
            # Seconds per stage of the median run, as the import logs them (inside the process: no start-up).
            "stages": stages,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        if not options["workdir"]:
            shutil.rmtree(workdir, ignore_errors=True)
        if options["json"]:
            self.emit_json(result)
        else:
            for k, v in result.items():
                self.stdout.write(f"{k}: {v}")
