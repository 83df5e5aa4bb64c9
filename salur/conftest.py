"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points there."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from django.db import connection

GOLDEN = Path(__file__).resolve().parent / "registry" / "tests" / "data" / "golden"
DEMO_PASSWORD = "Uji-Salur-2026!"


def pytest_report_header(config):
    return f"salur database: {os.environ.get('DATABASE_URL', 'sqlite (embedded default)').split('@')[-1]}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the region tree once per test database (it is reference data every test needs)."""
    from salur.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()
        if connection.vendor == "postgresql":
            # The append-only triggers let the owner purge audit tables when asked; the flush between
            # transactional tests needs it. Tests of the triggers switch it off again (SET LOCAL).
            with connection.cursor() as cursor:
                cursor.execute(
                    f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} SET salur.allow_purge = 'on'"
                )
                cursor.execute("SET salur.allow_purge = 'on'")


@pytest.fixture(autouse=True)
def _own_jobs_dir(settings, tmp_path_factory):
    """Import jobs of parallel test workers (each with its own database, so the same job ids) keep their progress
    files apart."""
    settings.SALUR_JOBS_DIR = tmp_path_factory.getbasetemp() / "jobs"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests make users by the dozen; the production hasher's cost (PBKDF2) is not what they test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
def make_user(db):
    from salur.accounts.services import user_create

    def make(
        username: str, role: str = "admin_pusat", wilayah: str | None = None, password: str = DEMO_PASSWORD
    ):
        return user_create(username=username, role=role, wilayah=wilayah, password=password)

    return make


@pytest.fixture
def admin_user(make_user):
    user = make_user("admin_uji", "admin_pusat")
    user.is_superuser = True
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def run_import(admin_user):
    """Import a keluarga/anggota pair as the CLI would; returns the summary dict."""
    from salur.registry.models import Source
    from salur.registry.services import import_job_create, import_job_run

    def run(keluarga: Path, anggota: Path, actor=None, rejects: Path | None = None):
        job = import_job_create(
            actor=actor or admin_user, keluarga_path=keluarga, anggota_path=anggota, source=Source.CLI
        )
        return import_job_run(job=job, rejects_path=rejects).as_dict()

    return run


@pytest.fixture
def golden_registry(golden_dir, run_import):
    return run_import(golden_dir / "keluarga.csv", golden_dir / "anggota.csv")


# --- PostgreSQL guard ----------------------------------------------------------------------------------------
# `./dev test` runs the suite twice. In the PostgreSQL run (SALUR_EXPECT_POSTGRES=1) the database must really be
# PostgreSQL, and in CI no test may have been skipped for want of PostgreSQL.

_pg_skips: list[str] = []


@pytest.fixture
def golden_cycle_inputs(golden_dir: Path, golden_registry, admin_user):
    """The golden registry, its three reference lists and the default catalogue."""
    from django.core.management import call_command

    from salur.programs.services import catalogue_load_defaults

    with pytest.raises(SystemExit) as exc:  # asn.csv holds one malformed row: loaded, exit 1
        call_command("crosscheck_load", str(golden_dir / "asn.csv"), kind="asn")
    assert exc.value.code == 1
    call_command("crosscheck_load", str(golden_dir / "tni_polri.csv"), kind="tni_polri")
    call_command("crosscheck_load", str(golden_dir / "kematian.csv"), kind="kematian")
    catalogue_load_defaults()
    return golden_dir


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres_only: needs PostgreSQL (roles, concurrency, COPY)")


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if os.environ.get("SALUR_EXPECT_POSTGRES") == "1" and not on_pg:
        raise pytest.UsageError("SALUR_EXPECT_POSTGRES=1 but DATABASE_URL is not a PostgreSQL database")
    if not on_pg:
        skip = pytest.mark.skip(reason="needs PostgreSQL (runs in the PostgreSQL pass of ./dev test)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


def pytest_runtest_logreport(report):
    if report.skipped and os.environ.get("SALUR_EXPECT_POSTGRES") == "1":
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if "PostgreSQL" in reason or "postgres" in reason.lower():
            _pg_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if _pg_skips and os.environ.get("CI") == "true":
        sys.stderr.write("PostgreSQL tests were skipped in CI:\n" + "\n".join(_pg_skips) + "\n")
        session.exitstatus = 1
