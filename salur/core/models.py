from __future__ import annotations

from django.db import models
from django.db.models.functions import Now


class LoadedDataset(models.Model):
    """Which version (sha256) of a shipped data file is loaded, so that `salur setup` can skip it next time."""

    name = models.CharField(max_length=100, unique=True)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


class AuditEntry(models.Model):
    """One state change anywhere in Salur: append-only and hash-chained (see core/audit.py).

    `hash` = sha256 over the previous entry's hash and this entry's content; `salur audit verify` recomputes the
    chain and names the first broken link. On PostgreSQL a trigger refuses UPDATE and DELETE on this table.
    """

    at = models.DateTimeField()
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")
    source = models.CharField(max_length=8)  # web, api, cli, task
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=60, db_index=True)
    object_id = models.CharField(max_length=80, db_index=True, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    payload = models.TextField()  # canonical JSON: {"before": ..., "after": ..., "detail": ...}
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The chain's last link, kept beside it so that a deleted tail is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} entri, {self.last_hash[:12]}"


class Approval(models.Model):
    """One approval of one step of an object (maker-checker, core/approval.py)."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    step = models.CharField(max_length=60)
    level = models.PositiveSmallIntegerField(default=1)
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_default=Now())
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "step", "actor"], name="approval_once_per_actor_and_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.object_id} oleh {self.actor_id}"
