from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from .models import (
    AssistRequest,
    Attachment,
    Escalation,
    ExtensionRequest,
    Praise,
    Rating,
    ReturnVisit,
    SlaDeadline,
    SlaPolicy,
    SupervisionOrder,
    Ticket,
    TicketEvent,
    TicketLink,
)

_M = TypeVar("_M", bound=models.Model)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Records that change only through the services (so each change has its audit event):
    the admin shows them and nothing else."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "public", "body"]
    readonly_fields = ["created_at", "kind", "actor", "public", "body"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin[Ticket]):
    """Read and inspect tickets; every change goes through the API or the web so that it is
    checked by the state machine and written to the audit trail."""

    list_display = [
        "number",
        "title",
        "status",
        "priority",
        "enterprise",
        "assignee",
        "owner",
        "resolve_due_at",
        "overdue",
    ]
    list_filter = ["status", "priority", "kind", "channel", "overdue", "park", "department"]
    search_fields = ["number", "title", "enterprise__name"]
    list_select_related = ["enterprise", "assignee", "owner"]
    date_hierarchy = "created_at"
    inlines = [EventInline]


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin[TicketEvent]):
    list_display = ["created_at", "ticket", "kind", "actor", "public"]
    list_filter = ["kind", "public"]
    search_fields = ["ticket__number", "body"]
    list_select_related = ["ticket", "actor"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = ["name", "is_active", "help_resolve_limit", "urgent_fraction", "urgent_clock", "max_extensions"]


for model in (Attachment, ExtensionRequest, AssistRequest, Rating):
    admin.site.register(model, ReadOnlyAdmin)


@admin.register(SlaDeadline)
class SlaDeadlineAdmin(ReadOnlyAdmin[SlaDeadline]):
    """Read-only: the deadlines move with the ticket's services and the sweep."""

    list_display = ["ticket", "kind", "version", "clock", "due_at", "next_level", "next_step_at", "stopped_at"]
    list_filter = ["kind", "next_level"]
    raw_id_fields = ["ticket"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin[Escalation]):
    list_display = ["ticket", "kind", "level", "version", "due_at", "fired_at"]
    list_filter = ["kind", "level"]
    raw_id_fields = ["ticket", "deadline"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin[SupervisionOrder]):
    list_display = ["ticket", "deadline_kind", "addressed_to", "answer_due_at", "answered_at", "created_at"]
    raw_id_fields = ["ticket", "escalation", "addressed_to", "issued_by", "answered_by"]
    filter_horizontal = ["managers"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ReturnVisit)
class ReturnVisitAdmin(ReadOnlyAdmin[ReturnVisit]):
    """Read-only: return visits are recorded through the API (with their audit event)."""

    list_display = ["ticket", "method", "satisfied", "visited_by", "visited_at"]
    list_filter = ["method", "satisfied"]
    list_select_related = ["ticket", "visited_by"]


@admin.register(Praise)
class PraiseAdmin(admin.ModelAdmin[Praise]):
    list_display = ["created_at", "enterprise", "officer", "kind", "ticket", "recorded_by"]
    list_filter = ["kind"]
    list_select_related = ["enterprise", "officer", "ticket", "recorded_by"]


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyAdmin[TicketLink]):
    """Read-only: links are made through the API or the ticket page (with their events)."""

    list_display = ["low", "high", "created_by", "created_at"]
    list_select_related = ["low", "high", "created_by"]
    raw_id_fields = ["low", "high"]
