from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from servicedesk import clock

from .models import CannedReply


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin[CannedReply]):
    list_display = ["title", "department", "owner", "usage_count", "updated_at"]
    list_filter = ["department"]
    search_fields = ["title", "body"]
    fields = ["title", "body", "department", "owner", "usage_count", "last_used_at", "created_by", "updated_at"]
    readonly_fields = ["usage_count", "last_used_at", "created_by", "updated_at"]

    def save_model(self, request: HttpRequest, obj: CannedReply, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)
