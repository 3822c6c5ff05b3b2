from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from servicedesk import clock

from .channels import DeliveryError
from .channels.webhook import post
from .models import Notification, NotificationPreference, NotificationSettings, WebhookEndpoint


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
    raw_id_fields = ["recipient", "endpoint"]
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
