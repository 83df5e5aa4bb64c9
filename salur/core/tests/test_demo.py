"""The README's demo: a registry in the field reports' places, units, and a user for every role."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from salur.accounts.models import Role, Unit, User
from salur.core.access import scope_q
from salur.registry.models import Household

pytestmark = pytest.mark.django_db


def test_the_demo_builds_units_users_for_every_role_and_a_registry_and_can_run_again(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo", households=400)
    assert {u.role for u in User.objects.all()} >= set(Role.values)
    assert Household.objects.count() >= 400
    kab = {h.wilayah_id[:4] for h in Household.objects.all()}
    assert kab <= {"3325", "1671", "1872", "3212", "3323", "3202", "3272"}
    kartini = User.objects.get(username="sentra_kartini")
    assert kartini.scope_prefixes == ("3323", "3325")
    seen = Household.objects.filter(scope_q(kartini, "wilayah__kode"))
    assert seen.exists()
    assert all(h.wilayah_id[:4] in ("3323", "3325") for h in seen)
    assert User.objects.get(username="desa_batang").unit.kind == "desa"
    # The chain ran on it: cycles computed by one user, approved by another, paid, reconciled.
    from salur.cycles.models import Cycle
    from salur.payments.models import Payment, StatusImport

    cycles = list(Cycle.objects.select_related("created_by"))
    assert {c.program.code for c in cycles} >= {"PKH", "SEMBAKO"}
    assert all(c.status == "diekspor" for c in cycles if c.program.code in ("PKH", "SEMBAKO"))
    assert Payment.objects.filter(status="DIBAYAR").exists()
    assert StatusImport.objects.exists()
    assert Cycle.objects.filter(
        program__code="SANTUNAN", status="diekspor"
    ).exists()  # santunan paid by cycle
    n_units, n_households = Unit.objects.count(), Household.objects.count()
    state = (Cycle.objects.count(), Payment.objects.count(), StatusImport.objects.count())
    call_command("demo", households=400)
    assert (Unit.objects.count(), Household.objects.count()) == (n_units, n_households)
    assert (Cycle.objects.count(), Payment.objects.count(), StatusImport.objects.count()) == state
