# ruff: noqa: S311, S310 (a measuring tool on loopback)
"""CPU cost of one lookup, measured on the processes themselves (independent of other load on the machine).

    DATABASE_URL=... uv run python -m salur.portal.loadtest.cpu_cost http://127.0.0.1:8765 SAMPLE.csv 300

Sends N lookups one after another (70% desa+name, 30% NIK) to a running server with ONE worker and persistent
connections, and reads from /proc the CPU seconds used by the worker and by its PostgreSQL backend. CPU per
request bounds the throughput of a 2-core machine: requests/s <= 2 / (app CPU + database CPU).
"""

from __future__ import annotations

import csv
import http.cookiejar
import os
import random
import re
import sys
import time
import urllib.parse
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def main(base: str, sample: str, n: int) -> None:
    with open(sample, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/cek-bansos/").read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if match is None:
        raise SystemExit("no CSRF token on the page")
    token = match.group(1)
    cookie = next((c.value for c in jar if c.name == "csrftoken"), "")

    def lookup(row: dict[str, str], by_nik: bool) -> None:
        d = row["desa"]
        data = (
            {"cari": "nik", "nik": row["nik"]}
            if by_nik
            else {"cari": "nama", "prov": d[:2], "kab": d[:4], "kec": d[:6], "desa": d, "nama": row["nama"]}
        )
        data["csrfmiddlewaretoken"] = token
        req = urllib.request.Request(
            base + "/cek-bansos/",
            data=urllib.parse.urlencode(data).encode(),
            headers={"Cookie": f"csrftoken={cookie}", "Referer": base + "/cek-bansos/"},
        )
        body = urllib.request.urlopen(req).read().decode()
        assert "lookup-result" in body

    for row in rows[:20]:  # warm the worker and its connection
        lookup(row, False)
    worker = int(os.environ["SALUR_WORKER_PID"])
    backend = int(os.environ["SALUR_BACKEND_PID"])
    app0, db0, t0 = cpu_seconds(worker), cpu_seconds(backend), time.perf_counter()
    for i in range(n):
        lookup(random.choice(rows), by_nik=i % 10 >= 7)
    app, db, wall = cpu_seconds(worker) - app0, cpu_seconds(backend) - db0, time.perf_counter() - t0
    sys.stdout.write(
        f"{n} lookups: app CPU {1000 * app / n:.1f} ms, database CPU {1000 * db / n:.1f} ms, "
        f"wall {1000 * wall / n:.1f} ms per lookup; bound on 2 cores: {2 * n / (app + db):.0f} lookups/s\n"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
