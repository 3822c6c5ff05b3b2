from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from servicedesk import clock

from . import services
from .models import EnterpriseProfile, EnterpriseProfileChange, Policy, PolicyEvent, PolicyMatch, PolicyStatus


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin[Policy]):
    """Written here as through the API and the policy's page: a change goes through
    `services.policy_update`, so each changed field is in the policy's audit trail with its
    old and new value, and a published policy whose eligibility or validity changed is
    matched again. The park is chosen when the policy is made; an archived policy is read
    only; only those who may edit a policy may change it here."""

    list_display = ["title", "issuer", "park", "status", "effective_from", "effective_to"]
    list_filter = ["status", "park"]
    search_fields = ["title", "issuer", "summary"]
    readonly_fields = ["status", "created_by", "created_at", "updated_at", "published_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Policy | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        if obj.status == PolicyStatus.ARCHIVED:
            return [field.name for field in Policy._meta.fields if field.name != "id"]
        return [*fields, "park"]

    def has_change_permission(self, request: HttpRequest, obj: Policy | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.may_edit(request.user, obj))  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
            obj.updated_at = clock.now()
            super().save_model(request, obj, form, change)
            return
        editable = (*services.EDITABLE, "conditions")
        changes = {field: form.cleaned_data[field] for field in form.changed_data if field in editable}
        if changes:
            services.policy_update(actor=request.user, policy_id=obj.pk, **changes)  # type: ignore[arg-type]


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
