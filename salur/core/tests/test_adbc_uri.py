"""The ADBC connection string follows Django's database settings; a refused second connection falls back."""

from __future__ import annotations

import pytest
from django.db import connection

from salur.core import bulk


def test_the_uri_carries_credentials_socket_and_libpq_options(monkeypatch):
    settings = {
        "NAME": "salur db",
        "USER": "app",
        "PASSWORD": "p@ss:w/rd",
        "HOST": "/var/run/postgresql",
        "PORT": "5433",
        "OPTIONS": {"sslmode": "require", "pool": True, "application_name": "salur"},
    }
    for key, value in settings.items():
        monkeypatch.setitem(connection.settings_dict, key, value)
    uri = bulk.libpq_uri()
    assert uri.startswith("postgresql://app:p%40ss%3Aw%2Frd@:5433/salur%20db?")
    assert "sslmode=require" in uri
    assert "application_name=salur" in uri
    assert "host=%2Fvar%2Frun%2Fpostgresql" in uri
    assert "pool" not in uri


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_refused_second_connection_falls_back(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "PORT", "1")  # nothing listens there
    assert bulk.read_committed_frames({"one": "SELECT 1 AS x"}) is None
