from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import InboundMessage


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin[InboundMessage]):
    """Read only: what came in and what became of it."""

    list_display = ["received_at", "intake", "sender", "subject", "status", "ticket", "reason"]
    list_filter = ["status", "intake"]
    search_fields = ["sender", "subject", "message_id"]
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
