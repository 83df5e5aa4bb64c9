"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points there."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.db import connection

GOLDEN = Path(__file__).resolve().parent / "registry" / "tests" / "data" / "golden"
DEMO_PASSWORD = "Uji-Salur-2026!"


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    return f"salur database: {os.environ.get('DATABASE_URL', 'sqlite (embedded default)').split('@')[-1]}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Load the region tree once per test database (it is reference data every test needs)."""
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def golden_dir(tmp_path: Path) -> Path:
    """A writable copy of the contract's worked example."""
    dest = tmp_path / "golden"
    shutil.copytree(GOLDEN, dest)
    return dest


@pytest.fixture
def make_user(db):  # type: ignore[no-untyped-def]
    from salur.accounts.services import user_create

    def make(username: str, role: str = "admin_pusat", wilayah: str | None = None, password: str = DEMO_PASSWORD):
        return user_create(username=username, role=role, wilayah=wilayah, password=password)

    return make


@pytest.fixture
def admin_user(make_user):  # type: ignore[no-untyped-def]
    user = make_user("admin_uji", "admin_pusat")
    user.is_superuser = True
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def run_import(admin_user):  # type: ignore[no-untyped-def]
    """Import a keluarga/anggota pair as the CLI would; returns the summary dict."""
    from salur.registry.models import Source
    from salur.registry.services import import_job_create, import_job_run

    def run(keluarga: Path, anggota: Path, actor=None, rejects: Path | None = None):  # type: ignore[no-untyped-def]
        job = import_job_create(
            actor=actor or admin_user, keluarga_path=keluarga, anggota_path=anggota, source=Source.CLI
        )
        return import_job_run(job=job, rejects_path=rejects).as_dict()

    return run


@pytest.fixture
def golden_registry(golden_dir, run_import):  # type: ignore[no-untyped-def]
    return run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")
