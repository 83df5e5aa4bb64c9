from __future__ import annotations

import pytest
from django.core.cache import cache

from salur.grievances.tests.factories import DESA_BATANG, make_cycle, make_household, make_units


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with empty rate-limit counters (they live in the cache)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def village(db, admin_user):
    """Desa Silurah (Kab. Batang): two recipient families and one registered non-recipient."""
    make_units()
    siti = make_household(DESA_BATANG, ["Siti Aminah", "Budi Santoso"])
    sutini = make_household(DESA_BATANG, ["Sutini", "Sumarni"])
    other = make_household(DESA_BATANG, ["Sukirman"], desil=8)
    make_cycle("PKH", "2024-T2", [(siti, 750_000)], admin_user)
    make_cycle("SEMBAKO", "2024-05", [(siti, 200_000), (sutini, 200_000)], admin_user)
    return {"siti": siti, "sutini": sutini, "other": other}
