"""The routing model's versions: one row per trained model, its file in Django's storage."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoutingModel(models.Model):
    """A trained routing model. The newest row is the one in use; its file (a joblib dump
    of the scikit-learn pipeline) lives in the default storage, checked by its SHA-256."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"))
    tickets = models.PositiveIntegerField(_("tickets learned from"))
    items = models.JSONField(_("service items it can suggest"), default=list)
    file = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    holdout_top1 = models.FloatField(_("hold-out top-1 accuracy"), null=True, blank=True)
    holdout_top3 = models.FloatField(_("hold-out top-3 accuracy"), null=True, blank=True)
    holdout_tickets = models.PositiveIntegerField(_("hold-out tickets"), default=0)

    class Meta:
        verbose_name = _("routing model")
        verbose_name_plural = _("routing models")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} ({self.tickets})"
