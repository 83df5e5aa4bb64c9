"""Backup and restore of the embedded SQLite database (PostgreSQL: pg_dump/pg_restore, docs/operations.md)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import connection

from salur.core.errors import SalurError


def _sqlite_path() -> Path:
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("sqlite3"):
        raise SalurError(
            "salur backup/restore hanya untuk SQLite bawaan; untuk PostgreSQL pakai pg_dump/pg_restore"
            " (lihat docs/operations.md)"
        )
    return Path(db["NAME"])


def backup_sqlite(*, out: Path) -> dict[str, object]:
    """An online, consistent copy (SQLite's backup API) while Salur keeps running; then an integrity check."""
    source = _sqlite_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with sqlite3.connect(source) as src, sqlite3.connect(tmp) as dst:
        src.backup(dst)
    with sqlite3.connect(tmp) as check:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
        tables = check.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    if result != "ok":
        tmp.unlink(missing_ok=True)
        raise SalurError(f"Salinan cadangan rusak: {result}")
    tmp.replace(out)
    return {"backup": str(out), "bytes": out.stat().st_size, "tables": tables}


def restore_sqlite(*, source: Path) -> dict[str, object]:
    """Replace the database with a backup, after checking the backup; the old file is kept beside it."""
    target = _sqlite_path()
    if not source.is_file():
        raise SalurError(f"Berkas cadangan tidak ditemukan: {source}")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
            result = check.execute("PRAGMA integrity_check").fetchone()[0]
            has_schema = check.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'"
            ).fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise SalurError(f"Berkas ini bukan cadangan SQLite Salur: {exc}") from exc
    if result != "ok" or not has_schema:
        raise SalurError("Berkas ini bukan cadangan Salur yang utuh")
    connection.close()
    kept = target.with_suffix(target.suffix + ".sebelum-pulih")
    if target.exists():
        # Fold the WAL into the main file before moving it aside.
        with sqlite3.connect(target) as live:
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.move(str(target), kept)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return {"restored": str(target), "previous": str(kept) if kept.exists() else ""}
