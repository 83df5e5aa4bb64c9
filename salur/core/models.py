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
