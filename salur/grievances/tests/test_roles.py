"""Every role against the staff pages and the resolve action: who may read, who may act; a refusal changes nothing."""

from __future__ import annotations

import pytest

from salur.accounts.models import Role
from salur.core.access import can
from salur.grievances.models import Grievance
from salur.grievances.services import grievance_create
from salur.grievances.tests.factories import DESA_BATANG

pytestmark = pytest.mark.django_db

HANDLERS = {
    "admin_pusat",
    "operator_dinsos_prov",
    "operator_dinsos_kab",
    "operator_desa",
    "petugas_sentra",
    "pendamping",
}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_reads_and_only_handlers_resolve(client, make_user, role):
    # a national-or-Batang user of each role; the grievance is in Batang
    user = make_user(
        f"r_{role}", role, None if role in {"admin_pusat", "verifikator", "auditor"} else "33.25"
    )
    g = grievance_create(
        category="kartu", channel="web", kode_wilayah=DESA_BATANG, text="Kartu terblokir setelah salah PIN."
    )
    client.force_login(user)
    assert client.get("/pengaduan/").status_code == 200
    assert client.get("/dasbor/").status_code == 200
    assert client.get(f"/pengaduan/{g.tracking_no}/").status_code == 200
    client.post(
        f"/pengaduan/{g.tracking_no}/",
        {"action": "resolve", "status": "selesai", "resolution": "Kartu sudah diganti oleh bank."},
    )
    g.refresh_from_db()
    assert can(user, "grievance.handle") == (role in HANDLERS)
    assert g.status == ("selesai" if role in HANDLERS else "baru")
    assert Grievance.objects.count() == 1
