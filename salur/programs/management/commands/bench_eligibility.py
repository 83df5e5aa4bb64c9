"""`salur bench eligibility --households N`: eligibility and PKH components of the registry in the database,
timed: the cycle pipeline's read (`cycles.batch.pipeline.read_inputs`) and the computation
(`programs.batch.entitlements.compute` with the program's stored rule) separately, with the peak memory.

The registry must be there already (`salur synth` + `salur import registry`, docs/benchmarks.md). With more than N
households in the database, the first N (by id) and their members are computed; the read covers all of them.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time

import polars as pl
from django.db import connection

from salur.core.commands import SalurCommand
from salur.core.errors import CommandFailed
from salur.cycles.batch import pipeline
from salur.programs.batch import entitlements as e
from salur.programs.catalogue import DEFAULT_CATALOGUE, config_from_dict
from salur.programs.models import Program


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # Linux: KiB


class Command(SalurCommand):
    help = "Benchmark kelayakan dan komponen PKH atas registri di basis data: waktu baca dan hitung, memori puncak."

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True, help="jumlah keluarga yang dihitung")
        parser.add_argument("--repeat", type=int, default=3, help="berapa kali dihitung; median dilaporkan")
        parser.add_argument("--program", default="PKH", help="kode program (bawaan PKH)")
        parser.add_argument("--period", default="2024-T2")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        n = options["households"]
        if n < 1 or options["repeat"] < 1:
            raise CommandFailed("--households dan --repeat harus 1 atau lebih")
        code = options["program"].upper()
        program = Program.objects.filter(code=code).first()
        version = program.current_version() if program else None
        if version is not None:
            config_data, rule, amount_rule = version.config, version.eligibility_rule, version.amount_rule
        else:  # a bare database: the default catalogue's version 1
            spec = next((s for s in DEFAULT_CATALOGUE if s.code == code), None)
            if spec is None:
                raise CommandFailed(f"Program {code!r} tidak dikenal")
            config_data, rule, amount_rule = spec.config, spec.eligibility_rule, spec.amount_rule
        try:
            config = config_from_dict(config_data)
        except ValueError as exc:
            raise CommandFailed(str(exc)) from exc
        if isinstance(config, e.PKHConfig):
            amount_rule = ""

        t0 = time.perf_counter()
        inputs = pipeline.read_inputs()
        read_s = time.perf_counter() - t0
        read_peak = _peak_mb()
        total = inputs.households.height
        if total < n:
            raise CommandFailed(f"Registri hanya berisi {total} keluarga, kurang dari --households {n}")
        households = inputs.households.head(n)
        members = inputs.members
        if total > n:
            last = households["household_id"].max()
            members = members.filter(pl.col("household_id") <= last)
        lists = inputs.reference_lists()

        times = []
        result = None
        for _ in range(options["repeat"]):
            t1 = time.perf_counter()
            result = e.compute(
                households,
                members,
                config=config,
                period=options["period"],
                lists=lists,
                eligibility_rule=rule or None,
                amount_rule=amount_rule or None,
            )
            times.append(time.perf_counter() - t1)
        assert result is not None
        out = {
            "backend": connection.vendor,
            "program": code,
            "period": options["period"],
            "households": households.height,
            "members": members.height,
            "registry_households": total,
            "read_seconds": round(read_s, 2),
            "compute_seconds": round(statistics.median(times), 2),
            "compute_seconds_all": [round(t, 2) for t in times],
            "eligible": result.summary["eligible"],
            "total": result.summary["total"],
            "components": result.components.height,
            "peak_memory_mb_after_read": read_peak,
            "peak_memory_mb": _peak_mb(),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        if options["json"]:
            self.emit_json(out)
        else:
            for k, v in out.items():
                self.stdout.write(f"{k}: {v}")
