"""Read queries from a SQLite database file into Arrow IPC files, in a process of its own.

    python -m salur.core.sqlite_reader DATABASE OUT_DIR < queries.json     # {"name": "SELECT ...", ...}

Used by `core/bulk.py read_committed_frames`. The ADBC SQLite driver carries its own copy of SQLite; two copies of
SQLite in one process do not see each other's POSIX locks, and closing one copy's file descriptor drops the other's
locks, which can corrupt the database (https://www.sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked
into the same application"). In a separate process it is an ordinary second reader of a WAL database. The
process opens the file read-only and reads every query in one read transaction (one snapshot). It imports neither
Django nor Salur's apps, so it starts in a fraction of a second.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote


def main(argv: list[str]) -> int:
    import adbc_driver_sqlite.dbapi as adbc_sqlite
    import pyarrow.ipc as ipc

    database, out_dir = argv[0], Path(argv[1])
    queries: dict[str, str] = json.loads(sys.stdin.read())
    uri = f"file:{quote(str(Path(database).resolve()))}?mode=ro"
    with adbc_sqlite.connect(uri, autocommit=True) as conn, conn.cursor() as cur:
        # The driver infers each column's type from the first batch of rows (SQLite values are dynamic): a later
        # row of another type fails the read (exit 1), and the caller reads the slower, general way.
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "262144"})
        cur.execute("BEGIN")
        for i, sql in enumerate(queries.values()):
            cur.execute(sql)
            table = cur.fetch_arrow_table()
            with ipc.new_file(str(out_dir / f"{i}.arrow"), table.schema) as writer:
                writer.write_table(table)
        cur.execute("COMMIT")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as exc:  # a driver message can quote a value (a name): report the kind of error only
        sys.stderr.write(f"{type(exc).__name__}\n")
        sys.exit(1)
