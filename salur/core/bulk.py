"""Bulk I/O between Polars frames and the database, the same API on PostgreSQL and SQLite.

PostgreSQL: COPY FROM STDIN in CSV form (psycopg 3). SQLite: executemany in large batches.
Table and column names come from our own schema constants, never from user input; values always travel
as COPY data or bound parameters.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

import polars as pl
from django.db import connection

SQLITE_BATCH = 50_000
COPY_CHUNK = 8 * 1024 * 1024


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _sqlite_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """SQLite stores dates and datetimes as ISO text (as Django does) and booleans as 0/1."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d %H:%M:%S.%6f"))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(exprs) if exprs else frame


def copy_frame(table: str, frame: pl.DataFrame, columns: Sequence[str] | None = None) -> int:
    """Append the frame's rows to `table` (columns named like the frame's, or `columns`)."""
    cols = list(columns or frame.columns)
    frame = frame.select(cols)
    if frame.height == 0:
        return 0
    # Raw cursors below: wrap_database_errors turns the driver's errors into Django's (IntegrityError, ...).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if is_postgres():
            col_sql = ", ".join(qn(c) for c in cols)
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(
                f"COPY {qn(table)} ({col_sql}) FROM STDIN WITH (FORMAT csv)", writer=queued_writer(raw)
            ) as copy:
                for chunk in _csv_chunks(frame):
                    copy.write(chunk)
        else:
            frame = _sqlite_ready(frame)
            placeholders = ", ".join("?" for _ in cols)
            col_sql = ", ".join(qn(c) for c in cols)
            sql = f"INSERT INTO {qn(table)} ({col_sql}) VALUES ({placeholders})"
            raw = cursor.cursor
            for start in range(0, frame.height, SQLITE_BATCH):
                raw.executemany(sql, frame.slice(start, SQLITE_BATCH).iter_rows())
    return frame.height


def copy_frames(table: str, frames: Iterable[pl.DataFrame], columns: Sequence[str] | None = None) -> int:
    """`copy_frame` for a stream of frames (one COPY on PostgreSQL): a producer can prepare the next frame in a thread
    while the database takes this one."""
    if not is_postgres():
        return sum(copy_frame(table, frame, columns) for frame in frames)
    total = 0
    with connection.cursor() as cursor, connection.wrap_database_errors, ExitStack() as stack:
        copy: Any = None
        for frame in frames:
            if frame.height == 0:
                continue
            cols = list(columns or frame.columns)
            if copy is None:
                col_sql = ", ".join(qn(c) for c in cols)
                copy = stack.enter_context(
                    cursor.cursor.copy(
                        f"COPY {qn(table)} ({col_sql}) FROM STDIN WITH (FORMAT csv)",
                        writer=queued_writer(cursor.cursor),
                    )
                )
            for chunk in _csv_chunks(frame.select(cols)):
                copy.write(chunk)
            total += frame.height
    return total


def queued_writer(cursor: Any) -> Any:
    """psycopg's queued COPY writer: `write()` hands the block to a thread that sends it, so that this thread formats
    the next block while the server parses this one (with the plain writer the server waited for every block to be
    formatted)."""
    from psycopg.copy import QueuedLibpqWriter

    return QueuedLibpqWriter(cursor)


def _csv_chunks(frame: pl.DataFrame) -> Iterator[bytes]:
    """CSV for COPY. Polars quotes only what needs it ("necessary") and always quotes an empty string, so that ''
    stays an empty string while a null is an unquoted empty field (COPY's NULL)."""
    rows_per_chunk = 200_000
    for start in range(0, frame.height, rows_per_chunk):
        buf = io.BytesIO()
        frame.slice(start, rows_per_chunk).write_csv(
            buf, include_header=False, quote_style="necessary", datetime_format="%Y-%m-%dT%H:%M:%S%.f%:z"
        )
        yield buf.getvalue()


def read_frame(
    sql: str,
    params: Sequence[Any] = (),
    schema: dict[str, pl.DataType] | None = None,
    *,
    all_text: bool = False,
) -> pl.DataFrame:
    """Run a query and return its rows as a frame (PostgreSQL: COPY TO for speed)."""
    with connection.cursor() as cursor:
        if is_postgres() and not params:
            raw = cursor.cursor
            buf = io.BytesIO()
            with raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
                for data in copy:
                    buf.write(data)
            buf.seek(0)
            if buf.getbuffer().nbytes == 0:
                return pl.DataFrame(schema=schema or {})
            if schema is not None:
                return pl.read_csv(buf, schema=schema)
            if all_text:
                return pl.read_csv(buf, infer_schema=False)
            return pl.read_csv(buf, infer_schema_length=None)
        cursor.execute(sql, params)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    if schema is None:
        return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    return pl.DataFrame(rows, schema=list(schema.items()), orient="row")


_LIBPQ_OPTIONS = (
    "sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "connect_timeout", "application_name",
    "target_session_attrs", "options", "passfile", "service",
)  # fmt: skip


def libpq_uri() -> str:
    """A libpq URI for the Django connection's database (user, password, host or socket, port, and the libpq
    options among OPTIONS, such as sslmode): for a second connection (ADBC reads, parallel maintenance)."""
    from urllib.parse import quote, urlencode

    d = connection.settings_dict
    auth = quote(d.get("USER") or "", safe="")
    if d.get("PASSWORD"):
        auth += ":" + quote(d["PASSWORD"], safe="")
    host = d.get("HOST") or ""
    params = {k: str(v) for k, v in (d.get("OPTIONS") or {}).items() if k in _LIBPQ_OPTIONS}
    if host.startswith("/"):  # a Unix socket directory
        params["host"], host = host, ""
    port = f":{d['PORT']}" if d.get("PORT") else ""
    query = f"?{urlencode(params)}" if params else ""
    return f"postgresql://{auth}{'@' if auth else ''}{quote(host, safe='')}{port}/{quote(d['NAME'], safe='')}{query}"


def read_committed_frames(queries: dict[str, str]) -> dict[str, pl.DataFrame] | None:
    """The results of several queries as frames, read in ONE snapshot over a separate ADBC connection, straight into
    Arrow (no Python rows, no text to parse):

    - PostgreSQL: the ADBC PostgreSQL driver (COPY in binary form), in a REPEATABLE READ READ ONLY transaction;
    - SQLite (a database file): the ADBC SQLite driver in a process of its own (`core/sqlite_reader.py`), in one
      read transaction (WAL: a consistent snapshot), handing Arrow IPC files back.

    A separate connection sees only committed rows, so this is used only outside a transaction; elsewhere (inside
    `transaction.atomic`, which includes the test suite's transactions, or an in-memory SQLite database) it returns
    None and the caller reads with `read_frame`.
    """
    if connection.in_atomic_block:
        return None
    out: dict[str, pl.DataFrame] = {}
    if is_postgres():
        import adbc_driver_postgresql.dbapi as adbc_pg

        try:
            with adbc_pg.connect(libpq_uri(), autocommit=True) as conn, conn.cursor() as cur:
                cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                for name, sql in queries.items():
                    cur.execute(sql)
                    # One contiguous chunk: the driver hands dozens of record batches, and sorts and gathers across
                    # them cost several times as much (core/bulk.py callers sort most of what they read).
                    frame = pl.from_arrow(cur.fetch_arrow_table())
                    assert isinstance(frame, pl.DataFrame)
                    out[name] = frame.rechunk()
                cur.execute("COMMIT")
        except Exception as exc:  # a second connection refused (auth, pooler, TLS): the slower, general path
            logging.getLogger("salur.core.bulk").warning(
                "ADBC PostgreSQL read fell back to read_frame: %s", type(exc).__name__
            )
            return None
        return out
    path = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "sqlite" or not path or path == ":memory:" or "mode=memory" in path:
        return None
    # In a process of its own: the ADBC driver's copy of SQLite must not share this process with Python's
    # (core/sqlite_reader.py says why).
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="salur-read-") as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "salur.core.sqlite_reader", path, tmp],
            input=json.dumps(queries),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or [""])[-1][:200]
            logging.getLogger("salur.core.bulk").info("ADBC SQLite read fell back to read_frame: %s", last)
            return None
        for i, name in enumerate(queries):
            out[name] = pl.read_ipc((Path(tmp) / f"{i}.arrow").read_bytes())
    return out


def db_now() -> Any:
    """The current time as a bound parameter the backend accepts for a DateTimeField."""
    from django.utils import timezone

    return connection.ops.adapt_datetimefield_value(timezone.now())


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def create_stage(name: str, columns: dict[str, tuple[str, str]]) -> None:
    """A temporary stage table; `columns` maps a name to its (PostgreSQL type, SQLite type)."""
    pg = is_postgres()
    cols = ", ".join(f"{qn(c)} {t[0] if pg else t[1]}" for c, t in columns.items())
    suffix = " ON COMMIT DROP" if pg else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(name)}")
        cursor.execute(f"CREATE TEMP TABLE {qn(name)} ({cols}){suffix}")


def drop_stage(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {qn(name)}")
