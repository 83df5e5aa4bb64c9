# ruff: noqa: S108, S311 (a load-test tool: its sample file and random choices are not security concerns)
"""Load test of the public lookup (issue 8): citizens searching by desa + name and by NIK.

Run it with salur/portal/loadtest/run.sh (server, sample, bounded locust run); see docs/portal.md.
Each simulated citizen opens the page once (CSRF cookie and token), then searches: 70% by region and name,
30% by NIK, with a think time of 2-5 s before the first search and between searches (a person on a phone). Names and NIKs come from a
sample of the registry (SALUR_LOADTEST_SAMPLE, written by `sample.py`), so every query hits real rows.

The client is locust's FastHttpUser (geventhttpclient): the load generator shares the two cores with the server,
and the requests-based HttpUser spent several times more CPU per request than the lookup itself.
"""

from __future__ import annotations

import csv
import os
import random
import re
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, task

SAMPLE = os.environ.get("SALUR_LOADTEST_SAMPLE", "/tmp/salur-loadtest-sample.csv")
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COOKIE_RE = re.compile(r"csrftoken=([^;,\s]+)")

with open(SAMPLE, newline="", encoding="utf-8") as fh:
    ROWS = list(csv.DictReader(fh))


class Citizen(FastHttpUser):
    wait_time = between(2, 5)

    def on_start(self) -> None:
        # Locust starts the users of each second of the ramp all at once (50 at -r 50): spread their arrival over
        # that second, as citizens do not open the page in step.
        gevent.sleep(random.random())
        page = self.client.get("/cek-bansos/", name="GET /cek-bansos/")
        match = TOKEN_RE.search(page.text or "")
        self.token = match.group(1) if match else ""
        # The server runs with production settings, where the CSRF cookie is Secure; on plain-HTTP loopback a
        # cookie jar would not send it back, so it is passed explicitly.
        headers: Any = page.headers or {}
        cookie = COOKIE_RE.search(str(headers.get("Set-Cookie", "") or ""))
        self.headers = {
            "Cookie": f"csrftoken={cookie.group(1) if cookie else ''}",
            "Referer": f"{self.host}/cek-bansos/",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        # A person reads the page and fills in the form before the first search, as between later searches.
        # (Without this pause every newly spawned user searched at once: the ramp itself, 50 users a second,
        # sent twice the steady rate for its first seconds.)
        self.wait()

    def _post(self, data: dict[str, str], name: str) -> None:
        data["csrfmiddlewaretoken"] = self.token
        with self.client.post(
            "/cek-bansos/", data=urlencode(data), name=name, headers=self.headers, catch_response=True
        ) as response:
            if response.status_code != 200 or "lookup-result" not in (response.text or ""):
                response.failure(f"HTTP {response.status_code}, no result section")

    @task(7)
    def by_name(self) -> None:
        row = random.choice(ROWS)
        desa = row["desa"]
        self._post(
            {
                "cari": "nama",
                "prov": desa[:2],
                "kab": desa[:4],
                "kec": desa[:6],
                "desa": desa,
                "nama": row["nama"],
            },
            "POST lookup by desa+name",
        )

    @task(3)
    def by_nik(self) -> None:
        self._post({"cari": "nik", "nik": random.choice(ROWS)["nik"]}, "POST lookup by NIK")
