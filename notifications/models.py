"""The outbox (one row per recipient × channel, which is also the in-app inbox entry), the
per-user preferences and quiet hours, and the webhook endpoints."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .channels.safeurl import validate_public_url
from .sentences import DIGEST_KIND as DIGEST_KIND
from .sentences import Rendered, render


class NotificationChannel(models.TextChoices):
    INBOX = "inbox", _("in-app inbox")
    EMAIL = "email", _("email")
    WEBHOOK = "webhook", _("webhook")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu group robot")


#: the channels that post to a chat group's robot (one `GroupRobot` each)
ROBOT_CHANNELS = (NotificationChannel.WECOM, NotificationChannel.DINGTALK, NotificationChannel.FEISHU)


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    HELD = "held", _("held (quiet hours)")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Notification(models.Model):
    """An outbox row; the inbox rows are also what the user reads in the app. Written in
    the transaction of the event that causes it; sent at most once (`dedup_key`). What it is
    about is named by its sender (`topic_type`, `topic_id`, `topic_label`), not a foreign key:
    the outbox serves any app without importing it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    endpoint = models.ForeignKey(
        "WebhookEndpoint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("webhook endpoint"),
    )
    robot = models.ForeignKey(
        "GroupRobot",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("group robot"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    event_kind = models.CharField(_("event kind"), max_length=30)
    # What the notification is about, as its sender names it (the outbox knows no other app's
    # models): a type ("ticket"), the id in the sender's table, and how to show it (the number).
    topic_type = models.CharField(_("topic type"), max_length=30, blank=True)
    topic_id = models.BigIntegerField(_("topic id"), null=True, blank=True)
    topic_label = models.CharField(_("topic"), max_length=60, blank=True)
    # The sender's event that caused it (a ticket event's id), when there is one.
    event_id = models.BigIntegerField(_("event id"), null=True, blank=True)
    # What the sentence says, language-neutral (the topic's number and title, who did it, an
    # excerpt, codes such as a level): rendered when read, in the reader's language.
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # the texts as written for the recipient's language when the row was made (email, webhook)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=120, unique=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.dedup_key} {self.status}"

    def sentence_payload(self) -> dict[str, Any]:
        """The payload, with the topic's number for rows written before payloads existed."""
        base: dict[str, Any] = {"number": self.topic_label} if self.topic_label else {}
        return {**base, **(self.payload if isinstance(self.payload, dict) else {})}

    @cached_property
    def sentence(self) -> Rendered:
        """Subject and body in the language active now: the reader's (never a raw code)."""
        return render(self.event_kind, self.sentence_payload())


class NotificationPreference(models.Model):
    """An explicit choice of a user for one event kind on one channel (the defaults apply
    where there is none)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event_kind = models.CharField(_("event kind"), max_length=30)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "event_kind", "channel"], name="one_preference_per_kind_channel")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event_kind} {self.channel} {'on' if self.enabled else 'off'}"


class NotificationSettings(models.Model):
    """Quiet hours (有事必到、无事不扰) and the daily digest, per user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=time(22, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=time(8, 0))
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")
    daily_digest = models.BooleanField(_("daily digest"), default=False)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user_id} quiet {self.quiet_start:%H:%M}-{self.quiet_end:%H:%M}"


class WebhookEndpoint(models.Model):
    """A URL that receives signed JSON for the tickets of an enterprise (public events only)
    or of a department (every event)."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    enterprise = models.ForeignKey(
        "servicedesk.Enterprise", on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    department = models.ForeignKey(
        "servicedesk.Department", on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    url = models.URLField(_("URL"), max_length=500, validators=[validate_public_url])
    secret = models.CharField(_("secret"), max_length=200)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(enterprise__isnull=False, department__isnull=True)
                | models.Q(enterprise__isnull=True, department__isnull=False),
                name="webhook_for_enterprise_or_department",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.url


class GroupRobot(models.Model):
    """A chat group's robot (企业微信 / 钉钉 / 飞书 群机器人) that hears a park's breaches and
    supervision orders, or a department's new tickets. The URL carries the robot's key and the
    secret signs DingTalk's and Feishu's requests: neither is ever shown back in full."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=[(c.value, c.label) for c in ROBOT_CHANNELS])
    park = models.ForeignKey(
        "servicedesk.Park",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="robots",
        verbose_name=_("park"),
    )
    department = models.ForeignKey(
        "servicedesk.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="robots",
        verbose_name=_("department"),
    )
    url = models.URLField(_("webhook URL"), max_length=500, validators=[validate_public_url])
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    quiet_start = models.TimeField(_("quiet hours start"), default=time(22, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=time(8, 0))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(park__isnull=False, department__isnull=True)
                | models.Q(park__isnull=True, department__isnull=False),
                name="robot_for_park_or_department",
            )
        ]

    def __str__(self) -> str:
        return self.name
