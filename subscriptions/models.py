"""A manager's subscription to a sheet, and one row per sheet, period and subscription sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Sheet(models.TextChoices):
    DISPATCH = "dispatch", _("weekly dispatch sheet")
    RANKING = "ranking", _("monthly ranking")
    BULLETIN = "bulletin", _("quarterly bulletin")


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail with the XLSX attached")
    ROBOT = "robot", _("the group robot of my park or department")


class SheetSubscription(models.Model):
    """A manager asks for a sheet of their own scope, by e-mail or to their group's robot."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sheet_subscriptions")
    sheet = models.CharField(_("sheet"), max_length=10, choices=Sheet.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sheet subscription")
        verbose_name_plural = _("sheet subscriptions")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "sheet", "channel"], name="sheet_subscription_once"),
        ]
        indexes = [models.Index(fields=["sheet", "active"], name="sheet_subscription_due")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.sheet} {self.channel}"


class SheetDelivery(models.Model):
    """One sheet of one period for one subscription: inserted before it is sent (the unique
    constraint makes a second sender stop), marked sent in the same transaction as the send."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(SheetSubscription, on_delete=models.CASCADE, related_name="deliveries")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sheet sent")
        verbose_name_plural = _("sheets sent")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period_start"], name="sheet_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.period_start} {self.status}"
