"""Dashboards: exact aggregates, scoped to the viewer's region; the page renders its SVG charts without script."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from salur.dashboard.selectors import dashboard
from salur.grievances.models import Grievance
from salur.grievances.services import grievance_create, grievance_resolve
from salur.grievances.tests.factories import (
    DESA_BATANG,
    DESA_METRO,
    make_cycle,
    make_household,
    make_staff,
    make_units,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(admin_user):
    cache.clear()
    units = make_units()
    b1 = make_household(DESA_BATANG, ["A a", "B b", "C c"], desil=1)
    b2 = make_household(DESA_BATANG, ["D d"], desil=2, flags="KEPALA_KELUARGA")
    m1 = make_household(DESA_METRO, ["E e", "F f"], desil=1)
    make_household(DESA_METRO, ["G g"], desil=None)
    make_cycle("SEMBAKO", "2024-05", [(b1, 200_000), (b2, 200_000), (m1, 200_000)], admin_user)
    make_cycle("PKH", "2024-T2", [(b1, 750_000)], admin_user)
    staff_b = make_staff("dash_batang", "operator_dinsos_kab", units["batang"])
    staff_m = make_staff("dash_metro", "operator_dinsos_kab", units["metro"])
    text = "Kartu terblokir setelah salah PIN."
    g1 = grievance_create(category="kartu", channel="web", kode_wilayah=DESA_BATANG, text=text)
    grievance_create(category="kartu", channel="web", kode_wilayah=DESA_BATANG, text=text)
    grievance_create(
        category="pungli",
        channel="web",
        kode_wilayah=DESA_METRO,
        text="Dipotong Rp50.000 oleh ketua kelompok.",
    )
    Grievance.objects.filter(pk=g1.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    g1.refresh_from_db()
    grievance_resolve(actor=staff_b, grievance=g1, status="selesai", resolution="Kartu diganti oleh bank.")
    cache.clear()
    return {"batang": staff_b, "metro": staff_m}


def test_a_kabupaten_sees_only_its_own_figures(world):
    d = dashboard(world["batang"], use_cache=False)
    assert [(r["desil"], r["households"], r["people"]) for r in d["desil"]] == [(1, 1, 3), (2, 1, 1)]
    assert [(r["program_code"], r["period"], r["kpm"], r["rupiah"]) for r in d["recipients"]] == [
        ("PKH", "2024-T2", 1, 750_000),
        ("SEMBAKO", "2024-05", 2, 400_000),
    ]
    assert d["budget"] is None  # budget lines are national
    [kartu] = d["grievances"]["by_category"]
    assert (kartu["category"], kartu["total"], kartu["open"]) == ("kartu", 2, 1)
    assert 1.9 < kartu["avg_days"] <= 2.1
    assert [(r["kab"], r["total"]) for r in d["grievances"]["by_region"]] == [("3325", 2)]
    flags = {r["code"]: r["count"] for r in d["quality"]}
    assert flags["KEPALA_KELUARGA"] == 1
    assert flags["TANPA_DESIL"] == 0


def test_another_kabupaten_sees_its_own_and_the_nation_sees_all(world, admin_user):
    d = dashboard(world["metro"], use_cache=False)
    assert [(r["desil"], r["households"]) for r in d["desil"]] == [(1, 1), ("tanpa desil", 1)]
    assert [(r["program_code"], r["kpm"]) for r in d["recipients"]] == [("SEMBAKO", 1)]
    assert [(r["category"], r["total"]) for r in d["grievances"]["by_category"]] == [("pungli", 1)]
    national = dashboard(admin_user, use_cache=False)
    assert sum(r["households"] for r in national["desil"]) == 4
    assert sum(r["kpm"] for r in national["recipients"]) == 4
    assert sum(r["total"] for r in national["grievances"]["by_category"]) == 3


def test_the_page_renders_charts_as_svg_scoped_to_the_viewer(client, world):
    client.force_login(world["metro"])
    response = client.get("/dasbor/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="bar-chart"' in page
    assert "<script" not in page.split("</footer>")[0]
    assert "18.72" in page or "1872" in page
    assert "Pungutan atau potongan" in page
    assert "Kartu KKS rusak" not in page


def test_the_cache_is_per_scope(world):
    a = dashboard(world["batang"])
    b = dashboard(world["metro"])
    assert a["scope"] != b["scope"]
    assert dashboard(world["batang"])["recipients"] == a["recipients"]


def test_the_dashboard_api_is_scoped(client, world):
    from salur.accounts.tokens import token_create

    r = client.get("/api/v1/dashboard/", HTTP_AUTHORIZATION="Token " + token_create(user=world["metro"]))
    assert r.status_code == 200
    assert [x["program_code"] for x in r.json()["recipients"]] == ["SEMBAKO"]
