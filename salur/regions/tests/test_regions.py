"""The Kemendagri region tree: loaded once, idempotent, looked up by code and by name."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salur.core.models import LoadedDataset
from salur.regions.models import HistoricalKecamatan, Region, dotted
from salur.regions.selectors import desa_of_kabupaten, region_children, region_get, region_path, region_search
from salur.regions.services import regions_load

pytestmark = pytest.mark.django_db


def test_the_whole_2025_tree_and_the_historical_codes_are_loaded():
    assert Region.objects.count() == 91_599
    counts = {lvl: Region.objects.filter(level=lvl).count() for lvl in (1, 2, 3, 4)}
    assert counts == {1: 38, 2: 514, 3: 7_285, 4: 83_762}
    assert HistoricalKecamatan.objects.count() == 594


def test_loading_again_is_idempotent_and_skips_a_loaded_file():
    result = regions_load()
    assert result["wilayah_2025_skipped"] is True
    forced = regions_load(force=True)
    assert forced["wilayah_2025"] == 91_599
    assert Region.objects.count() == 91_599
    assert LoadedDataset.objects.filter(name="wilayah_2025").count() == 1


def test_lookup_by_code_dotted_or_not():
    batang = region_get(kode="33.25")
    assert batang is not None
    assert batang.nama == "Kabupaten Batang"
    assert region_get(kode="3325") == batang
    assert batang.kode_bertitik == "33.25"
    assert dotted("3325012001") == "33.25.01.2001"
    assert region_get(kode="99.99") is None


def test_lookup_by_name_and_the_path_to_a_desa():
    found = list(region_search(nama="metro", level=2))
    assert [r.kode for r in found] == ["1872"]
    desa = desa_of_kabupaten(kode_kab="18.72").first()
    assert desa is not None
    assert [r.level for r in region_path(kode=desa.kode)] == [1, 2, 3, 4]
    assert region_children(kode=None).count() == 38


def test_all_desa_of_a_kabupaten_in_one_query():
    with CaptureQueriesContext(connection) as queries:
        desa = list(desa_of_kabupaten(kode_kab="33.25"))
    assert len(queries.captured_queries) == 1
    assert len(desa) == Region.objects.filter(level=4, kode__startswith="3325").count() > 200
    assert all(d.kode_kab == "3325" and d.level == 4 for d in desa)
