"""Input and output shapes of the ticket API. Inputs validate; services change things."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Any, NoReturn

from django.utils.translation import gettext
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from servicedesk import clock
from servicedesk.api.ids import BIGINT_MAX
from servicedesk.errors import NotFound
from servicedesk.models import Department, Enterprise, ServiceItem, User

from . import selectors
from .models import AssistRequest, Attachment, ExtensionRequest, Kind, Priority, Ticket, TicketEvent, TicketLink
from .state import allowed_actions

TEXT_MAX = 20000
REASON_MAX = 5000
#: How far ahead an extension may move a deadline: a sanity bound on the input (a typo like
#: 9999-12-31 would otherwise become a deadline nothing can compute with).
EXTENSION_HORIZON = timedelta(days=366)


class Text(serializers.CharField):
    """Text, and only text: a number, a boolean, a list or an object where text belongs is a
    mistake in the request, not something to turn into a string."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class Id(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A primary key as a positive integer (or its decimal string, as forms send it). Floats,
    `"1e309"`, booleans and numbers past the database's range are refused before any query."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= BIGINT_MAX:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class EnterpriseId(Id):
    """An enterprise named in a body. One that does not exist is a 404, the answer for one
    outside the caller's scope (see services.ticket_create): the two are never told apart."""

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        value = kwargs.get("pk_value")
        if key == "does_not_exist" and isinstance(value, int) and 0 < value < 2**63:
            raise NotFound(gettext("No such enterprise."))  # a number past any id stays a 400
        super().fail(key, **kwargs)
        raise AssertionError  # fail() always raises


class Code(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A catalogue code (text only)."""

    def to_internal_value(self, data: Any) -> Any:
        # a NUL byte never reaches the query: PostgreSQL refuses it in text (a 500, found by the fuzzer)
        if not isinstance(data, str) or len(data) > 100 or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class TicketOutput(serializers.ModelSerializer[Ticket]):
    service_item: serializers.SlugRelatedField[ServiceItem] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
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
            "merged_into",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]

    def get_allowed_actions(self, ticket: Ticket) -> list[str]:
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return []
        return allowed_actions(ticket.status, selectors.relations_of(request.user, ticket))

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        """The same dict DRF's generic loop builds (tests/tickets/test_ticket_output.py checks
        it field by field), without building the fields for every serializer and without
        their per-field `get_attribute` walk: the list renders 50 tickets × 32 fields, and
        the generic loop was most of the page's Python time."""
        tz = self.__dict__.get("_tz", _UNSET)
        if tz is _UNSET:
            tz = self.__dict__["_tz"] = serializers.DateTimeField().default_timezone()
        ret = _render(_ticket_plan(), instance, tz)
        ret["allowed_actions"] = self.get_allowed_actions(instance)
        return ret


def ticket_row_columns() -> list[str]:
    """The columns (`values_list` paths) that `ticket_rows` renders a ticket from."""
    return [path for _name, _read, _kind, _convert, path in _ticket_plan()]


def ticket_rows(rows: Iterable[Sequence[Any]], request: Any) -> list[dict[str, Any]]:
    """TicketOutput's dicts from `values_list(*ticket_row_columns())` rows: a page of the list
    without a model instance per ticket, its enterprise and its service item (what
    instantiating them cost was a third of the queue's Python time). The same dicts as
    `TicketOutput(ticket).data`: tests/tickets/test_ticket_output.py compares them."""
    plan = _row_plan()
    tz = serializers.DateTimeField().default_timezone()
    user = getattr(request, "user", None)
    viewer = user if isinstance(user, User) and user.is_authenticated else None
    at = {name: i for i, (name, *_rest) in enumerate(plan)}
    status, enterprise, assignee, owner = at["status"], at["enterprise"], at["assignee"], at["owner"]
    park, department = at["park"], at["department"]
    actions: dict[tuple[str, frozenset[Any]], list[str]] = {}
    out = []
    for row in rows:
        ret = _render(plan, row, tz)
        if viewer is not None:
            relations = selectors.relations_for(
                viewer,
                enterprise_id=row[enterprise],
                assignee_id=row[assignee],
                owner_id=row[owner],
                park_id=row[park],
                department_id=row[department],
            )
            key = (row[status], relations)
            if key not in actions:
                actions[key] = allowed_actions(row[status], relations)
            ret["allowed_actions"] = list(actions[key])
        else:
            ret["allowed_actions"] = []
        out.append(ret)
    return out


def _render(plan: list[tuple[str, Any, str, Any, str]], source: Any, tz: Any) -> dict[str, Any]:
    ret: dict[str, Any] = {}
    for name, read, kind, convert, _path in plan:
        value = read(source)
        if value is None or kind is _AS_IS:
            ret[name] = value
        elif kind is _DATETIME and tz is not None and isinstance(value, datetime) and value.tzinfo is not None:
            text = value.astimezone(tz).isoformat()
            ret[name] = text[:-6] + "Z" if text.endswith("+00:00") else text
        else:
            ret[name] = convert(value)
    return ret


_UNSET = object()
_AS_IS, _DATETIME, _CONVERT = "as is", "datetime", "convert"
_PLAN: list[tuple[str, Any, str, Any, str]] = []
_ROW_PLAN: list[tuple[str, Any, str, Any, str]] = []


def _ticket_plan() -> list[tuple[str, Any, str, Any, str]]:
    """(name, read(ticket), kind, convert(value), values_list path) for each field of
    TicketOutput but allowed_actions; built once per process from the serializer's own fields."""
    if not _PLAN:
        fields = TicketOutput().fields.values()
        _PLAN[:] = [_read_plan(field) for field in fields if field.field_name != "allowed_actions"]
    return _PLAN


def _row_plan() -> list[tuple[str, Any, str, Any, str]]:
    """`_ticket_plan` reading the i-th value of a `values_list` row instead of an attribute."""
    if not _ROW_PLAN:
        _ROW_PLAN[:] = [
            (name, itemgetter(i), kind, convert, path)
            for i, (name, _read, kind, convert, path) in enumerate(_ticket_plan())
        ]
    return _ROW_PLAN


def _read_plan(field: serializers.Field) -> tuple[str, Any, str, Any, str]:  # type: ignore[type-arg]
    name = field.field_name or ""
    source = field.source_attrs
    if isinstance(field, serializers.PrimaryKeyRelatedField) and len(source) == 1:
        # DRF renders the related pk; the foreign key's column holds it without a fetch
        return name, attrgetter(f"{source[0]}_id"), _AS_IS, None, f"{source[0]}_id"
    if isinstance(field, serializers.SlugRelatedField):
        return (
            name,
            attrgetter(".".join([*source, field.slug_field])),
            _AS_IS,
            None,
            "__".join([*source, field.slug_field]),
        )
    read = attrgetter(".".join(source))
    path = "__".join(source)
    if isinstance(field, serializers.ChoiceField):
        choices = field.choice_strings_to_values
        return name, read, _CONVERT, lambda value: choices.get(str(value), value), path
    if type(field) in (serializers.IntegerField, serializers.BooleanField):
        return name, read, _AS_IS, None, path
    if (
        type(field) is serializers.DateTimeField
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    ):
        return name, read, _DATETIME, field.to_representation, path
    return name, read, _CONVERT, field.to_representation, path


class TicketCreateInput(serializers.Serializer):  # type: ignore[type-arg]
    title = Text(max_length=200)
    description = Text(max_length=TEXT_MAX)
    kind = serializers.ChoiceField(choices=Kind.choices)
    service_item = Code(slug_field="code", queryset=ServiceItem.objects.all())
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    enterprise = EnterpriseId(queryset=Enterprise.objects.all(), required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=["proxy", "visit"], required=False)


class NoInput(serializers.Serializer):  # type: ignore[type-arg]
    """The body of an action that takes none: empty, or a JSON object (its keys are ignored)."""


class BodyInput(serializers.Serializer):  # type: ignore[type-arg]
    body = Text(max_length=TEXT_MAX)


class ReasonInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = Text(max_length=REASON_MAX)


class OptionalReasonInput(serializers.Serializer):  # type: ignore[type-arg]
    reason = Text(required=False, allow_blank=True, max_length=REASON_MAX)


class ResolveInput(serializers.Serializer):  # type: ignore[type-arg]
    resolution = Text(max_length=TEXT_MAX)


class TransferInput(serializers.Serializer):  # type: ignore[type-arg]
    to_officer = Id(queryset=User.objects.filter(role=User.Role.OFFICER), required=False, allow_null=True)
    to_department = Id(queryset=Department.objects.all(), required=False, allow_null=True)
    reason = Text(max_length=REASON_MAX)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("to_officer")) == bool(attrs.get("to_department")):
            raise serializers.ValidationError(gettext("Give either to_officer or to_department."))
        return attrs


class AssistInput(serializers.Serializer):  # type: ignore[type-arg]
    department = Id(queryset=Department.objects.all())
    request = Text(max_length=REASON_MAX)


class AnswerInput(serializers.Serializer):  # type: ignore[type-arg]
    answer = Text(max_length=TEXT_MAX)


class RateInput(serializers.Serializer):  # type: ignore[type-arg]
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = Text(required=False, allow_blank=True, max_length=REASON_MAX)


class ExtendInput(serializers.Serializer):  # type: ignore[type-arg]
    new_resolve_due_at = serializers.DateTimeField()
    reason = Text(max_length=REASON_MAX)

    def validate_new_resolve_due_at(self, value: datetime) -> datetime:
        if value > clock.now() + EXTENSION_HORIZON:
            raise serializers.ValidationError(
                gettext("At most %(days)d days from now.") % {"days": EXTENSION_HORIZON.days}
            )
        return value


class TicketId(serializers.IntegerField):
    """Another ticket's id: an integer (or its decimal string); whether it exists, and is in
    the caller's scope, is the service's question (404, never saying which)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=BIGINT_MAX, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class LinkInput(serializers.Serializer):  # type: ignore[type-arg]
    ticket = TicketId()


class MergeInput(serializers.Serializer):  # type: ignore[type-arg]
    into = TicketId()
    reason = Text(required=False, allow_blank=True, max_length=REASON_MAX)


class LinkOutput(serializers.ModelSerializer[TicketLink]):
    tickets = serializers.SerializerMethodField()

    class Meta:
        model = TicketLink
        fields = ["id", "tickets", "created_by", "created_at"]

    def get_tickets(self, link: TicketLink) -> list[int]:
        return [link.low_id, link.high_id]


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
