"""Input and output shapes of the ticket API. Inputs validate; services change things."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from servicedesk.models import Department, Enterprise, ServiceItem, User

from . import selectors
from .models import AssistRequest, Attachment, ExtensionRequest, Kind, Priority, Ticket, TicketEvent
from .state import allowed_actions

TEXT = {"max_length": 20000}
REASON = {"max_length": 5000}


class TicketOutput(serializers.ModelSerializer[Ticket]):
    service_item = serializers.SlugRelatedField(slug_field="code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    service_item_name = serializers.CharField(source="service_item.name", read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "title",
            "description",
            "status",
            "kind",
            "priority",
            "channel",
            "enterprise",
            "enterprise_name",
            "park",
            "service_item",
            "service_item_name",
            "department",
            "assignee",
            "owner",
            "accept_due_at",
            "resolve_due_at",
            "accepted_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "overdue",
            "escalation_level",
            "rating",
            "extension_count",
            "reopen_count",
            "is_rectification",
            "resolution",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]

    def get_allowed_actions(self, ticket: Ticket) -> list[str]:
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return []
        return allowed_actions(ticket.status, selectors.relations_of(request.user, ticket))


class TicketCreateInput(serializers.Serializer):  # type: ignore[type-arg]
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(**TEXT)
    kind = serializers.ChoiceField(choices=Kind.choices)
    service_item = serializers.SlugRelatedField(slug_field="code", queryset=ServiceItem.objects.all())
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=["proxy", "visit"], required=False)


class BodyInput(serializers.Serializer):  # type: ignore[type-arg]
    body = serializers.CharField(**TEXT)


class ReasonInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(**REASON)


class OptionalReasonInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(required=False, allow_blank=True, **REASON)


class ResolveInput(serializers.Serializer):  # type: ignore[type-arg]
    resolution = serializers.CharField(**TEXT)


class TransferInput(serializers.Serializer):  # type: ignore[type-arg]
    to_officer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=User.Role.OFFICER), required=False, allow_null=True
    )
    to_department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(**REASON)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("to_officer")) == bool(attrs.get("to_department")):
            raise serializers.ValidationError("Give either to_officer or to_department.")
        return attrs


class AssistInput(serializers.Serializer):  # type: ignore[type-arg]
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    request = serializers.CharField(**REASON)


class AnswerInput(serializers.Serializer):  # type: ignore[type-arg]
    answer = serializers.CharField(**TEXT)


class RateInput(serializers.Serializer):  # type: ignore[type-arg]
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, **REASON)


class ExtendInput(serializers.Serializer):  # type: ignore[type-arg]
    new_resolve_due_at = serializers.DateTimeField()
    reason = serializers.CharField(**REASON)


class AttachmentInput(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(allow_empty_file=True, max_length=200)
    public = serializers.BooleanField(required=False, default=True)


class EventOutput(serializers.ModelSerializer[TicketEvent]):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "actor_name", "public", "body", "data", "created_at"]

    def get_actor_name(self, event: TicketEvent) -> str:
        return str(event.actor) if event.actor_id else ""


class AttachmentOutput(serializers.ModelSerializer[Attachment]):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "public", "uploaded_by", "created_at", "download_url"]

    def get_download_url(self, attachment: Attachment) -> str:
        return f"/api/v1/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/"


class ExtensionOutput(serializers.ModelSerializer[ExtensionRequest]):
    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "ticket",
            "requested_by",
            "previous_resolve_due_at",
            "new_resolve_due_at",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
        ]


class AssistOutput(serializers.ModelSerializer[AssistRequest]):
    class Meta:
        model = AssistRequest
        fields = [
            "id",
            "ticket",
            "department",
            "request",
            "requested_by",
            "due_at",
            "answer",
            "answered_by",
            "answered_at",
            "created_at",
        ]
