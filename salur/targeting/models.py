"""PMT model versions and score runs (docs/targeting.md).

A `PmtModel` is a stored, calibrated version of the PMT weights; at most one is active (the database refuses a
second). Without an active version Salur scores with the shipped default weights (`pmt.DEFAULT_WEIGHTS`, shown as
version 0, "bawaan"). A `ScoreRun` records one `salur targeting score`: which model, what it was given (sha256 of
the inputs), what it wrote (sha256 of the result) and the counts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


class PmtModel(models.Model):
    version = models.PositiveIntegerField("Versi", unique=True)
    # {"intercept": float, "weights": {feature: float}} (pmt.PmtWeights.as_dict)
    weights = models.JSONField()
    sha256 = models.CharField(max_length=64)  # of the canonical JSON of `weights`
    # calibration report: sample, folds, before/after fit and errors at the desil-4 cut (pmt.Calibration.metrics)
    metrics = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    is_active = models.BooleanField("Aktif", default=False)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="pmtmodel_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"PMT v{self.version}"


class ScoreRun(models.Model):
    # None: the shipped default weights (version 0)
    model = models.ForeignKey(PmtModel, null=True, blank=True, on_delete=models.PROTECT, related_name="runs")
    model_version = models.PositiveIntegerField(default=0)
    model_sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    households = models.PositiveIntegerField(default=0)  # scored (every household of the registry)
    supplied = models.PositiveIntegerField(default=0)  # kept their supplied desil
    computed = models.PositiveIntegerField(default=0)  # got the computed desil
    changed = models.PositiveIntegerField(default=0)  # rows whose pmt_skor, desil or desil_sumber changed
    desil_pmt = models.JSONField(default=dict)  # {"1": households, ...}: PMT desil of all households
    desil_computed = models.JSONField(default=dict)  # {"1": households, ...}: of those given a computed desil
    # sha256 of what the model saw (every household's features and supplied desil) and of the registry's
    # (no_kk, pmt_skor, desil, desil_sumber) before and after the run
    input_sha256 = models.CharField(max_length=64, db_index=True)
    before_sha256 = models.CharField(max_length=64)
    result_sha256 = models.CharField(max_length=64)
    seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"skor #{self.pk} (PMT v{self.model_version})"
