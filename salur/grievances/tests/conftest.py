from __future__ import annotations

import pytest

from salur.grievances.tests.factories import make_units


@pytest.fixture
def units(db):
    return make_units()
