"""`salur bench cycle --households N`: the money path at scale on a throwaway database.

synth N households -> setup -> import -> `cycle create` (PKH tahap) -> `cycle approve` (a second user) ->
`payments export` -> a status file for every payment (DIBAYAR) -> `payments import-status`; each step a separate
process, timed, with its peak resident memory (os.wait4). The import itself is measured by `salur bench import`.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed
from salur.registry.management.commands.bench_import import _throwaway_url


def _stages(stderr: str) -> dict[str, float]:
    """The stage timings a step logged (core/timing.py, INFO): {"read": 1.2, ...}."""
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        if "timings (s): " in line:
            try:
                message = json.loads(line).get("message", "")
                found.update(json.loads(message.split("timings (s): ", 1)[1]))
            except (ValueError, IndexError, AttributeError):
                continue
    return found


_LAST_STAGES: dict[str, float] = {}


def _step(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run one command; (seconds, peak RSS in MB, stdout). Its stage timings go to _LAST_STAGES."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    _LAST_STAGES.clear()
    _LAST_STAGES.update(_stages(stderr))
    if proc.returncode not in (0, 1):
        raise CommandFailed(f"{' '.join(cmd[3:5])} gagal: {stderr.strip().splitlines()[-1:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


# A new BLT version that takes every household with a living member (programs.services, audited as any edit).
ALL_ELIGIBLE = (
    "from django.contrib.auth import get_user_model; from salur.programs.models import Program; "
    "from salur.programs.services import program_version_create; "
    "program_version_create(actor=get_user_model().objects.get(username='bench_maker'), "
    "program=Program.objects.get(code='BLT'), changes={'eligibility_rule': 'jumlah_anggota >= 1'})"
)


class Command(SalurCommand):
    help = "Benchmark siklus: buat, setujui, ekspor, dan impor status untuk N keluarga pada basis data sekali pakai."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
        parser.add_argument("--workdir", type=Path, default=None)
        parser.add_argument("--keep", action="store_true", help="keep the throwaway database and files")
        parser.add_argument(
            "--all-eligible",
            action="store_true",
            help="a BLT month whose rule takes every household with a living member (payments = households), "
            "instead of a PKH tahap (about a quarter of them)",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        n = options["households"]
        if n < 1:
            raise CommandFailed("--households harus 1 atau lebih")
        workdir = options["workdir"] or Path(
            tempfile.mkdtemp(prefix="salur-bench-cycle-", dir=settings.VAR_DIR)
        )
        workdir.mkdir(parents=True, exist_ok=True)
        salur = [sys.executable, "-m", "salur.cli"]
        base = {**os.environ, "SALUR_QUALITY_AFTER_IMPORT": "0", "SALUR_LOG_LEVEL": "INFO"}
        _step(
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
            base,
        )
        url, drop = _throwaway_url(options["database_url"], workdir, "salur_bench_cycle")
        env = {**base, "DATABASE_URL": url, "SALUR_VAR_DIR": str(workdir / "var")}
        steps: dict[str, dict[str, Any]] = {}
        try:
            _step([*salur, "setup"], env)
            for name in ("bench_maker", "bench_checker"):
                proc = subprocess.run([*salur, "users", "add", name, "--role", "admin_pusat", "--password-stdin"],
                                      env=env, input="Bench-Salur-2026!\n", text=True, capture_output=True, check=False)  # fmt: skip
                if proc.returncode != 0:
                    raise CommandFailed(f"users add gagal: {proc.stderr.strip()[-200:]}")
            maker = {**env, "SALUR_USER": "bench_maker"}
            checker = {**env, "SALUR_USER": "bench_checker"}
            s, mb, out = _step([*salur, "import", "registry", "--keluarga", str(workdir / "data" / "keluarga.csv"),
                                "--anggota", str(workdir / "data" / "anggota.csv"), "--json"], maker)  # fmt: skip
            steps["import"] = {"seconds": round(s, 2), "peak_mb": round(mb)}
            program, period = ("BLT", "2024-05") if options["all_eligible"] else ("PKH", "2024-T2")
            code = f"{program}-{period}"
            if options["all_eligible"]:
                _step([*salur, "shell", "-c", ALL_ELIGIBLE], maker)
            budget = [
                *salur,
                "budget",
                "set",
                "--program",
                program,
                "--year",
                "2024",
                "--amount",
                str(10**15),
            ]
            _step(budget, maker)
            s, mb, out = _step(
                [*salur, "cycle", "create", "--program", program, "--period", period, "--json"], maker
            )
            created = json.loads(out)
            steps["create"] = {"seconds": round(s, 2), "peak_mb": round(mb), "stages": dict(_LAST_STAGES)}
            s, mb, _ = _step([*salur, "cycle", "approve", code, "--json"], checker)
            steps["approve"] = {"seconds": round(s, 2), "peak_mb": round(mb)}
            s, mb, out = _step(
                [*salur, "payments", "export", code, "--out", str(workdir / "files"), "--json"],
                maker,
            )
            steps["export"] = {"seconds": round(s, 2), "peak_mb": round(mb), "stages": dict(_LAST_STAGES)}
            files = json.loads(out)["files"]
            payments = sum(f["jumlah_baris"] for f in files)
            s, mb, _ = _step(
                [*salur, "payments", "export", code, "--out", str(workdir / "files2"), "--json"],
                maker,
            )
            steps["export_again"] = {"seconds": round(s, 2), "peak_mb": round(mb)}
            status = pl.concat(
                [
                    pl.read_csv(
                        workdir / "files" / f["file"],
                        columns=["id_pembayaran", "nominal"],
                        infer_schema=False,
                    )
                    for f in files
                ]
            ).select(
                "id_pembayaran",
                pl.lit("DIBAYAR").alias("status"),
                pl.lit("2024-05-02").alias("tanggal"),
                pl.col("nominal").alias("nominal_dibayar"),
                pl.lit("").alias("keterangan"),
            )
            status.write_csv(workdir / "status.csv")
            s, mb, out = _step(
                [*salur, "payments", "import-status", str(workdir / "status.csv"), "--json"], maker
            )
            applied = json.loads(out)["applied"]
            steps["status_import"] = {
                "seconds": round(s, 2),
                "peak_mb": round(mb),
                "rows": status.height,
                "applied": applied,
                "stages": dict(_LAST_STAGES),
            }
        finally:
            if not options["keep"]:
                drop()  # type: ignore[operator]
        result = {
            "cycle": code,
            "backend": "postgresql" if url.startswith("postgres") else "sqlite",
            "households": n,
            "eligible": created["eligible"],
            "payments": payments,
            "steps": steps,
            "create_approve_export_seconds": round(
                sum(steps[k]["seconds"] for k in ("create", "approve", "export")), 2
            ),
            "peak_memory_mb": max(v["peak_mb"] for v in steps.values()),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        if options["keep"]:
            result["database_url"] = url.rsplit("@", 1)[-1]
        if not options["workdir"] and not options["keep"]:
            shutil.rmtree(workdir, ignore_errors=True)
        if options["json"]:
            self.emit_json(result)
        else:
            for k, v in result.items():
                self.stdout.write(f"{k}: {v}")
