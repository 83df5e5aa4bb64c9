"""read_committed_frames on a SQLite database file: Arrow through the ADBC SQLite driver, or None (the caller then
uses read_frame) inside a transaction, for an in-memory database, or when the driver cannot type a column."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection, transaction

from salur.core.bulk import read_committed_frames

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sqlite_file(tmp_path, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    path = tmp_path / "r.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, born TEXT, flag BOOL)")
        db.executemany(
            "INSERT INTO t VALUES (?, ?, ?, ?)", [(i, f"n{i}", "2001-02-03", i % 2) for i in range(1, 1001)]
        )
        db.execute("CREATE TABLE late (v TEXT)")
        db.executemany("INSERT INTO late VALUES (?)", [(None,)] * 300_000 + [("x",)])
    monkeypatch.setitem(connection.settings_dict, "NAME", str(path))
    return path


def test_a_database_file_is_read_into_frames(sqlite_file):
    frames = read_committed_frames({"t": "SELECT id, name, born, flag FROM t ORDER BY id"})
    assert frames is not None
    t = frames["t"]
    assert t.height == 1000
    assert t["id"].to_list()[:3] == [1, 2, 3]
    assert t["name"][0] == "n1"
    assert t["born"][0] == "2001-02-03"
    assert t["flag"].sum() == 500


def test_none_where_the_driver_cannot_or_must_not_read(sqlite_file):
    assert read_committed_frames({"late": "SELECT v FROM late"}) is None  # text after a batch of NULLs
    with transaction.atomic():
        assert read_committed_frames({"t": "SELECT id FROM t"}) is None  # uncommitted rows would be missed


def test_rows_committed_by_an_open_connection_of_this_process_are_seen(sqlite_file):
    """The reader runs in a process of its own (core/sqlite_reader.py): with the ADBC driver's copy of SQLite in
    this process, rows just committed by Python's sqlite3 connection were not seen (and the two copies' locks
    could corrupt the file)."""
    writer = sqlite3.connect(sqlite_file)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        assert read_committed_frames({"n": "SELECT count(*) AS n FROM t"})["n"]["n"][0] == 1000
        writer.execute("INSERT INTO t VALUES (5000, 'baru', '2001-02-03', 1)")
        writer.commit()
        assert read_committed_frames({"n": "SELECT count(*) AS n FROM t"})["n"]["n"][0] == 1001
        writer.execute("INSERT INTO t VALUES (5001, 'lagi', '2001-02-03', 0)")
        writer.commit()
        assert read_committed_frames({"n": "SELECT count(*) AS n FROM t"})["n"]["n"][0] == 1002
    finally:
        writer.close()
