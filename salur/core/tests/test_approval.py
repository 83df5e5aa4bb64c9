"""Maker-checker as a shared mechanism."""

from __future__ import annotations

import pytest

from salur.core.approval import MakerCheckerViolation, approval_record, approvals_for, require_not_maker
from salur.core.errors import PermissionDenied
from salur.core.models import Approval, AuditEntry
from salur.registry.models import ImportJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(admin_user):
    return ImportJob.objects.create(created_by=admin_user, source="cli", keluarga_path="k", anggota_path="a")


def test_the_maker_cannot_approve_and_the_refusal_changes_nothing(job, admin_user):
    before = (Approval.objects.count(), AuditEntry.objects.count())
    with pytest.raises(MakerCheckerViolation):
        approval_record(actor=admin_user, obj=job, maker=job.created_by, step="uji.setuju")
    assert (Approval.objects.count(), AuditEntry.objects.count()) == before


def test_another_user_approves_and_who_and_when_are_recorded(job, admin_user, make_user):
    checker = make_user("pemeriksa", "verifikator")
    approval = approval_record(actor=checker, obj=job, maker=admin_user, step="uji.setuju", note="cocok")
    assert approval.actor_id == checker.pk
    assert approval.at is not None
    assert list(approvals_for(job, "uji.setuju")) == [approval]
    entry = AuditEntry.objects.get(action="uji.setuju.approve")
    assert (entry.actor_id, entry.object_id) == (checker.pk, str(job.pk))


def test_the_same_checker_cannot_approve_the_same_step_twice(job, admin_user, make_user):
    checker = make_user("pemeriksa", "verifikator")
    approval_record(actor=checker, obj=job, maker=admin_user, step="uji.setuju")
    with pytest.raises(PermissionDenied):
        approval_record(actor=checker, obj=job, maker=admin_user, step="uji.setuju")
    assert approvals_for(job, "uji.setuju").count() == 1


def test_require_not_maker_accepts_ids_or_users(admin_user):
    with pytest.raises(MakerCheckerViolation):
        require_not_maker(actor=admin_user, maker=admin_user.pk)
    require_not_maker(actor=admin_user, maker=None)
