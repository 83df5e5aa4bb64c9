"""Maker-checker: whoever proposed or created something cannot approve it.

Any module uses the same three pieces:
- `require_not_maker(actor=..., maker=...)`: raises before anything is written;
- `approval_record(actor=..., obj=..., maker=..., step=...)`: checks, then records who approved which step of which
  object and when (one approval per actor and step), and writes the audit entry;
- `approvals_for(obj, step)`: the approvals so far (tiers count them by level).
A refusal raises `MakerCheckerViolation` (a PermissionDenied) and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from salur.core.audit import audit_record
from salur.core.errors import PermissionDenied
from salur.core.models import Approval


class MakerCheckerViolation(PermissionDenied):
    """The actor made what it tries to approve."""


def _id(user: Any) -> Any:
    return getattr(user, "pk", user)


def require_not_maker(*, actor: Any, maker: Any) -> None:
    if maker is not None and _id(actor) == _id(maker):
        raise MakerCheckerViolation(
            "Anda tidak boleh menyetujui pekerjaan yang Anda buat atau usulkan sendiri"
        )


def approvals_for(obj: models.Model, step: str) -> models.QuerySet[Approval]:
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return Approval.objects.filter(content_type=ct, object_id=str(obj.pk), step=step).select_related("actor")


@transaction.atomic
def approval_record(
    *, actor: Any, obj: models.Model, maker: Any, step: str, level: int = 1, note: str = ""
) -> Approval:
    require_not_maker(actor=actor, maker=maker)
    if approvals_for(obj, step).filter(actor_id=_id(actor)).exists():
        raise PermissionDenied(
            "Anda sudah menyetujui langkah ini; persetujuan berikutnya harus dari orang lain"
        )
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    approval = Approval.objects.create(
        content_type=ct, object_id=str(obj.pk), step=step, level=level, actor_id=_id(actor), note=note
    )
    audit_record(
        actor=actor,
        action=f"{step}.approve",
        object_type=f"{ct.app_label}.{ct.model}",
        object_id=obj.pk,
        after={"step": step, "level": level, "note": note},
    )
    return approval
