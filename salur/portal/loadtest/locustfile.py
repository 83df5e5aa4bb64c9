# ruff: noqa: S108, S311 (a load-test tool: its sample file and random choices are not security concerns)
"""Load test of the public lookup (issue 8): citizens searching by desa + name and by NIK.

Run it with salur/portal/loadtest/run.sh (server, sample, bounded locust run); see docs/portal.md.
Each simulated citizen opens the page once (CSRF cookie and token), then searches: 70% by region and name,
30% by NIK, with a think time of 2-5 s between searches (a person on a phone). Names and NIKs come from a
sample of the registry (SALUR_LOADTEST_SAMPLE, written by `sample.py`), so every query hits real rows.
"""

from __future__ import annotations

import csv
import os
import random
import re

from locust import HttpUser, between, task

SAMPLE = os.environ.get("SALUR_LOADTEST_SAMPLE", "/tmp/salur-loadtest-sample.csv")
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

with open(SAMPLE, newline="", encoding="utf-8") as fh:
    ROWS = list(csv.DictReader(fh))


class Citizen(HttpUser):
    wait_time = between(2, 5)

    def on_start(self) -> None:
        page = self.client.get("/cek-bansos/", name="GET /cek-bansos/")
        match = TOKEN_RE.search(page.text)
        self.token = match.group(1) if match else ""
        # The server runs with production settings, where the CSRF cookie is Secure; on plain-HTTP loopback the
        # client's cookie jar would not send it back, so it is passed explicitly.
        self.cookies = {"csrftoken": page.cookies.get("csrftoken") or ""}

    def _post(self, data: dict[str, str], name: str) -> None:
        data["csrfmiddlewaretoken"] = self.token
        with self.client.post(
            "/cek-bansos/",
            data=data,
            name=name,
            cookies=self.cookies,
            headers={"Referer": f"{self.host}/cek-bansos/"},
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "lookup-result" not in response.text:
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
