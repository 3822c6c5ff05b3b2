from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from servicedesk import clock

from .models import EnterpriseProfile, EnterpriseProfileChange, Policy, PolicyEvent, PolicyMatch


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin[Policy]):
    list_display = ["title", "issuer", "park", "status", "effective_from", "effective_to"]
    list_filter = ["status", "park"]
    search_fields = ["title", "issuer", "summary"]
    readonly_fields = ["status", "created_by", "created_at", "updated_at", "published_at"]

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)


@admin.register(PolicyMatch)
class PolicyMatchAdmin(admin.ModelAdmin[PolicyMatch]):
    """Read here; an application's outcome is recorded on the policy's page (audited)."""

    list_display = ["policy", "enterprise", "qualified", "notified_at", "applied_at", "outcome", "decided_on"]
    list_filter = ["qualified", "outcome"]
    raw_id_fields = ["policy", "enterprise", "ticket"]
    readonly_fields = ["granted_at", "outcome", "decided_on", "outcome_remark", "decided_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EnterpriseProfile)
class EnterpriseProfileAdmin(admin.ModelAdmin[EnterpriseProfile]):
    """Read here; changed on the enterprise's profile page, where every change is audited."""

    list_display = ["enterprise", "industry_code", "size_class", "qualifications", "registered_on"]
    list_filter = ["size_class"]
    search_fields = ["enterprise__name", "industry_code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EnterpriseProfileChange)
class EnterpriseProfileChangeAdmin(admin.ModelAdmin[EnterpriseProfileChange]):
    list_display = ["enterprise", "field", "old", "new", "actor", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PolicyEvent)
class PolicyEventAdmin(admin.ModelAdmin[PolicyEvent]):
    list_display = ["policy", "kind", "enterprise", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["policy", "enterprise", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
