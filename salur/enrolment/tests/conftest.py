"""Fixtures of the enrolment tests: the contract's worked example, the program catalogue, and one user per part
of the workflow, placed around an Indramayu desa (32.12) with a user of another region (Kota Metro, 18.72)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pytest

from salur.core.models import Approval, AuditEntry
from salur.enrolment.models import (
    Decision,
    DecisionItem,
    Enrolment,
    EnrolmentEvent,
    Proposal,
    StatusChange,
    Verification,
)

# relative to today: a visit may not lie in the future nor a year before the proposal
SK_DATE = dt.date.today() - dt.timedelta(days=1)
VISIT = dt.date.today() - dt.timedelta(days=5)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users here are made by the dozen on a shared machine; the production hasher's cost is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    households: list[Any]  # Indramayu households, the first ones in `desa`
    desa: str
    other_desa_household: Any  # Indramayu, another desa
    far_household: Any  # outside Jawa Barat
    pkh: Any
    sembako: Any
    desa_op: Any  # operator_desa of `desa`
    kab: Any  # operator_dinsos_kab 32.12
    kab2: Any  # a second operator of the same Dinsos
    prov: Any  # operator_dinsos_prov 32
    admin: Any  # admin_pusat
    verif: Any  # verifikator (central)
    pendamping: Any
    auditor: Any
    lain: Any  # operator_dinsos_kab 18.72 (another region)


@pytest.fixture
def world(golden_registry, make_user) -> World:
    from salur.programs.models import Program
    from salur.programs.services import catalogue_load_defaults
    from salur.registry.models import Household

    catalogue_load_defaults()
    indramayu = list(
        Household.objects.filter(wilayah__kode__startswith="3212").order_by("wilayah_id", "no_kk")
    )
    # a desa with two households of the worked example
    by_desa: dict[str, list[Any]] = {}
    for h in indramayu:
        by_desa.setdefault(h.wilayah_id, []).append(h)
    desa = next(k for k, v in by_desa.items() if len(v) >= 2)
    first = by_desa[desa]
    rest = [h for h in indramayu if h.wilayah_id != desa]
    far = Household.objects.exclude(wilayah__kode__startswith="32").order_by("no_kk").first()
    return World(
        households=first + rest,
        desa=desa,
        other_desa_household=rest[0],
        far_household=far,
        pkh=Program.objects.get(code="PKH"),
        sembako=Program.objects.get(code="SEMBAKO"),
        desa_op=make_user("e_desa", "operator_desa", desa),
        kab=make_user("e_kab", "operator_dinsos_kab", "32.12"),
        kab2=make_user("e_kab2", "operator_dinsos_kab", "32.12"),
        prov=make_user("e_prov", "operator_dinsos_prov", "32"),
        admin=make_user("e_admin", "admin_pusat"),
        verif=make_user("e_verif", "verifikator"),
        pendamping=make_user("e_pendamping", "pendamping", "32.12"),
        auditor=make_user("e_auditor", "auditor"),
        lain=make_user("e_lain", "operator_dinsos_kab", "18.72"),
    )


def snapshot() -> str:
    """A digest of every row enrolment writes, the audit trail and approvals included."""
    parts = []
    for model in (
        Enrolment,
        Proposal,
        Verification,
        Decision,
        DecisionItem,
        StatusChange,
        EnrolmentEvent,
        AuditEntry,
        Approval,
    ):
        rows = list(model.objects.order_by("pk").values())
        parts.append(json.dumps(rows, default=str, sort_keys=True))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
