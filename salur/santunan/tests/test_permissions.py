"""Santunan page against every role; a claim of another region is not listed."""

from __future__ import annotations

import pytest
from django.test import Client

from salur.core.access import can

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "wilayah"),
    [
        ("admin_pusat", None),
        ("operator_dinsos_prov", "33"),
        ("operator_dinsos_kab", "33.25"),
        ("operator_desa", "3325012001"),
        ("petugas_sentra", "33.25"),
        ("pendamping", "33.25"),
        ("verifikator", None),
        ("auditor", None),
        ("operator_dinsos_kab", "18.72"),
    ],
)
def test_santunan_page_per_role(programs, batang, family, make_user, role, wilayah):
    from salur.santunan.tests.test_claims import claim_for

    claim = claim_for(batang, family)
    user = make_user(f"u_{role}_{wilayah}", role, wilayah)
    client = Client()
    client.force_login(user)
    r = client.get("/santunan/")
    assert r.status_code == (200 if can(user, "santunan.view") else 403)
    if r.status_code == 200:
        assert (str(claim) in r.content.decode()) == (
            wilayah is None or wilayah.replace(".", "") in "3325012001"
        )
