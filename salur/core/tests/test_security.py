"""Security settings, personal data kept out of logs, health, backup and restore, login lockout."""

from __future__ import annotations

import csv
import io
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from salur.conftest import DEMO_PASSWORD
from salur.core.logging import JsonFormatter, PersonalDataFilter, scrub


def test_check_deploy_is_clean_for_the_production_settings(tmp_path):
    env = {
        **os.environ,
        "SALUR_DEBUG": "0",
        "SALUR_SECRET_KEY": secrets.token_urlsafe(64),
        "SALUR_ALLOWED_HOSTS": "salur.example.go.id",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "SALUR_VAR_DIR": str(tmp_path / "var"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "salur.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "SALUR_DEBUG": "0", "SALUR_SECRET_KEY": "", "SALUR_VAR_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "salur.cli", "check"], env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "SALUR_SECRET_KEY" in proc.stderr


def test_scrub_removes_sixteen_digit_numbers_and_query_strings():
    line = 'GET /registri/?q=Siti+Aminah HTTP/1.1" 200 and /registri/kk/3325010101240001/'
    out = scrub(line)
    assert "Siti" not in out
    assert "3325010101240001" not in out
    assert "/registri/kk/[nomor-16-digit]/" in out


@pytest.mark.django_db
def test_nik_and_names_never_appear_in_the_logs(golden_dir, golden_registry, admin_user):
    """Everything logged while importing, searching and failing goes through the configured filter."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(n) for n in ("", "django", "django.request", "django.server", "salur")]
    saved = [(lg, lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        with (golden_dir / "anggota.csv").open(encoding="utf-8") as fh:
            people = [r for r in csv.DictReader(fh) if r["nik"] and r["nama"]][:40]
        client = Client()
        client.force_login(admin_user)
        for person in people[:10]:
            client.get("/registri/", {"q": person["nama"]})
            client.get("/registri/", {"q": person["nik"]})
            client.get(f"/registri/kk/{person['no_kk']}/")
            client.get(f"/api/v1/registry/members/{person['nik']}")
        client.get("/registri/kk/9999999999999999/")  # a 404 is logged as a warning with its path
        logging.getLogger("salur.uji").warning("gagal memproses NIK %s", people[0]["nik"])
        logging.getLogger("salur.uji").error("kesalahan", exc_info=ValueError(f"nik {people[1]['nik']}"))
    finally:
        for lg, level, propagate in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
    text = buf.getvalue()
    assert "Not Found" in text  # something was logged
    for person in people:
        assert person["nik"] not in text
        assert person["no_kk"] not in text
    for person in people[:10]:
        assert person["nama"] not in text


@pytest.mark.django_db
def test_the_health_endpoint_answers_without_login():
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


@pytest.mark.django_db
def test_pages_carry_security_headers(admin_user):
    client = Client()
    response = client.get("/masuk/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account(make_user):
    make_user("korban", "operator_dinsos_kab", wilayah="33.25")
    client = Client()
    for _ in range(4):
        response = client.post("/masuk/", {"username": "korban", "password": "salah-salah-salah"})
        assert response.status_code == 200
    fifth = client.post("/masuk/", {"username": "korban", "password": "salah-salah-salah"})
    assert fifth.status_code == 429
    locked = client.post("/masuk/", {"username": "korban", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert "dikunci" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_weak_passwords_are_refused(make_user):
    from salur.core.errors import SalurError

    for weak in ("pendek1!", "semuahurufkecilsaja", "123456789012345"):
        with pytest.raises(SalurError):
            make_user(f"u{abs(hash(weak)) % 1000}", "auditor", password=weak)


def test_backup_and_restore_of_the_embedded_database(tmp_path):
    db = tmp_path / "salur.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "SALUR_VAR_DIR": str(tmp_path / "var")}
    env.pop("SALUR_EXPECT_POSTGRES", None)
    salur = [sys.executable, "-m", "salur.cli"]
    subprocess.run([*salur, "setup"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*salur, "users", "add", "sebelum", "--role", "auditor"], env=env, check=True, capture_output=True
    )
    backup = tmp_path / "cadangan.sqlite3"
    out = subprocess.run(
        [*salur, "backup", "--out", str(backup), "--json"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    subprocess.run(
        [*salur, "users", "add", "sesudah", "--role", "auditor"], env=env, check=True, capture_output=True
    )
    refused = subprocess.run([*salur, "restore", str(backup)], env=env, capture_output=True, text=True)
    assert refused.returncode == 2
    done = subprocess.run(
        [*salur, "restore", str(backup), "--yes", "--json"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    check = subprocess.run(
        [
            *salur,
            "shell",
            "-c",
            "from salur.accounts.models import User; print(sorted(User.objects.values_list('username', flat=True)))",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "sebelum" in check.stdout
    assert "sesudah" not in check.stdout
    garbage = tmp_path / "bukan.sqlite3"
    garbage.write_bytes(b"bukan basis data")
    bad = subprocess.run([*salur, "restore", str(garbage), "--yes"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2
    assert Path(str(db) + ".sebelum-pulih").exists()
