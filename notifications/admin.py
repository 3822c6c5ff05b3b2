from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from servicedesk import clock

from .channels import DeliveryError
from .channels.robot import mask
from .channels.webhook import post
from .models import GroupRobot, Notification, NotificationPreference, NotificationSettings, WebhookEndpoint
from .services import robot_test_send


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = [
        "id",
        "channel",
        "event_kind",
        "topic_label",
        "recipient",
        "endpoint",
        "status",
        "attempts",
        "created_at",
    ]
    list_filter = ["channel", "status", "urgent", "event_kind"]
    search_fields = ["dedup_key", "subject", "topic_label", "recipient__username"]
    raw_id_fields = ["recipient", "endpoint", "robot"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin[NotificationPreference]):
    list_display = ["user", "event_kind", "channel", "enabled"]
    list_filter = ["channel", "enabled"]
    raw_id_fields = ["user"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin[NotificationSettings]):
    list_display = ["user", "quiet_start", "quiet_end", "timezone", "daily_digest"]
    raw_id_fields = ["user"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ["name", "url", "enterprise", "department", "active"]
    list_filter = ["active"]
    actions = ["send_test_delivery"]

    @admin.action(description="Send a test delivery")
    def send_test_delivery(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            body = json.dumps({"event": "test", "endpoint": endpoint.pk, "sent_at": clock.now().isoformat()}).encode()
            try:
                status = post(endpoint, body)
            except DeliveryError as exc:
                self.message_user(request, f"{endpoint}: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{endpoint}: HTTP {status}", messages.SUCCESS)


class GroupRobotForm(forms.ModelForm[GroupRobot]):
    """The URL (it carries the robot's key) and the secret are written, never shown back:
    the change form shows their masked forms, and an empty field keeps what is stored."""

    url = forms.URLField(label=_("webhook URL"), max_length=500, required=False, assume_scheme="https")
    secret = forms.CharField(
        label=_("signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("DingTalk 加签 and Feishu 签名校验 secret; leave empty to keep the stored one."),
    )

    class Meta:
        model = GroupRobot
        fields = [
            "name",
            "kind",
            "park",
            "department",
            "url",
            "secret",
            "language",
            "quiet_start",
            "quiet_end",
            "active",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["url"] = ""
        self.initial["secret"] = ""
        if self.instance.pk:
            self.fields["url"].help_text = _("Stored: %(url)s. Leave empty to keep it.") % {
                "url": mask(self.instance.url)
            }
        else:
            self.fields["url"].required = True

    def clean_url(self) -> str:
        return self.cleaned_data["url"] or (self.instance.url if self.instance.pk else "")

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")


@admin.register(GroupRobot)
class GroupRobotAdmin(admin.ModelAdmin[GroupRobot]):
    form = GroupRobotForm
    list_display = ["name", "kind", "park", "department", "masked_url", "active"]
    list_filter = ["kind", "active"]
    actions = ["send_test_message"]

    @admin.display(description=_("webhook URL"))
    def masked_url(self, robot: GroupRobot) -> str:
        return mask(robot.url)

    @admin.action(description=_("Send a test message"))
    def send_test_message(self, request: HttpRequest, queryset: QuerySet[GroupRobot]) -> None:
        for robot in queryset:
            try:
                robot_test_send(robot=robot)
            except DeliveryError as exc:
                self.message_user(request, f"{robot}: {exc}", messages.ERROR)
            else:
                self.message_user(request, _("%(robot)s: sent") % {"robot": robot}, messages.SUCCESS)
