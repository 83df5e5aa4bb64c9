# ruff: noqa: S108 (a load-test tool writing its sample file)
"""Write a random sample of (desa, name, NIK) from the registry for the load test: one SQL query.

DATABASE_URL=... uv run python -m salur.portal.loadtest.sample /tmp/salur-loadtest-sample.csv 5000
"""

from __future__ import annotations

import csv
import os
import sys


def main(out: str, n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salur.settings")
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # about 0.5% of the member pages, then n rows at random among them: fast on millions of rows
            cursor.execute(
                "SELECT h.kode_wilayah, m.nama, m.nik FROM registry_member m TABLESAMPLE SYSTEM (0.5)"
                " JOIN registry_household h ON h.id = m.household_id ORDER BY random() LIMIT %s",
                [n],
            )
        else:
            cursor.execute(
                "SELECT h.kode_wilayah, m.nama, m.nik FROM registry_member m"
                " JOIN registry_household h ON h.id = m.household_id ORDER BY random() LIMIT %s",
                [n],
            )
        rows = cursor.fetchall()
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["desa", "nama", "nik"])
        w.writerows(rows)
    sys.stdout.write(f"{len(rows)} baris contoh ditulis ke {out}\n")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "/tmp/salur-loadtest-sample.csv",
        int(sys.argv[2]) if len(sys.argv) > 2 else 5000,
    )
