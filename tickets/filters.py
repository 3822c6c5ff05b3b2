from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework.filters import OrderingFilter

from servicedesk.api.filters import DateTimeFilter, IdFilter
from servicedesk.api.ids import BIGINT_MAX
from servicedesk.models import User

from .models import AssistRequest, ExtensionRequest, Priority, Status, Ticket
from .search import ticket_search
from .selectors import search_within, wide_scope


class PersonField(forms.CharField):
    """A user id, or `me`."""

    def to_python(self, value: Any) -> str:
        value = str(super().to_python(value)).strip()
        if value and value != "me" and not (value.isascii() and value.isdigit() and 0 < int(value) <= BIGINT_MAX):
            # Translators: me is a value of the filter, kept as typed
            raise ValidationError(_("Give a user id or 'me'."), code="invalid")
        return value


class PersonFilter(django_filters.CharFilter):
    """A user id, or `me` for the caller."""

    field_class = PersonField

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value:
            return qs
        if value == "me":
            return qs.filter(**{self.field_name: self.parent.request.user.pk})
        return qs.filter(**{self.field_name: int(value)})


class StrictBooleanField(forms.Field):
    """`true`/`false` (also `1`/`0`, `yes`/`no`); anything else is a 400, not "no filter"."""

    TRUE = {"true", "1", "yes", "on"}
    FALSE = {"false", "0", "no", "off"}

    def to_python(self, value: Any) -> bool | None:
        text = str(value or "").strip().lower()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        # Translators: true and false are the values of the filter, kept as typed
        raise ValidationError(_("Give true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class TicketOrdering(OrderingFilter):
    """`ordering_fields` as {public name: model field}: `?ordering=-priority` sorts by
    `priority_rank`, not by the priority's text; ties are broken by id (stable pages)."""

    def _aliases(self, view: Any) -> dict[str, str]:
        fields = getattr(view, "ordering_fields", None)
        return dict(fields) if isinstance(fields, dict) else {}

    def get_default_ordering(self, view: Any) -> Any:
        """A search without `ordering` keeps the search's order (best match first)."""
        request = getattr(view, "request", None)
        if request is not None and str(request.query_params.get("search") or "").strip():
            return None
        return super().get_default_ordering(view)

    def get_valid_fields(self, queryset: QuerySet[Any], view: Any, context: Mapping[str, Any] | None = None) -> Any:
        aliases = self._aliases(view)
        if aliases:
            return [(name, name) for name in aliases]
        return super().get_valid_fields(queryset, view, context or {})

    def remove_invalid_fields(self, queryset: QuerySet[Any], fields: Any, view: Any, request: Any) -> list[str]:
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        aliases = self._aliases(view)
        if not aliases or not valid:
            return list(valid)
        mapped = [("-" if term.startswith("-") else "") + aliases[term.lstrip("-")] for term in valid]
        return [*mapped, "-id"]


class InFilter(django_filters.MultipleChoiceFilter):
    """`?status=a&status=b` as one `status IN (a, b)` on the ticket's own column: no DISTINCT
    (django-filter's default adds one, and PostgreSQL then sorts every matching row on every
    column and counts through a subquery) and no OR chain (which no index can answer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value or self.is_noop(qs, value):
            return qs
        values = sorted(set(value))
        if len(values) == 1:
            return qs.filter(**{self.field_name: values[0]})
        return qs.filter(**{f"{self.field_name}__in": values})


_FORM_CLASSES: dict[tuple[type[Any], str | None], type[forms.Form]] = {}


class StaticFormFilterSet(django_filters.FilterSet):
    """A filter set whose form is the same for every request (no field depends on the
    request): django-filter builds the form class again for each one, with every filter's
    field and label; here it is built once per class and language (labels are translated)."""

    def get_form_class(self) -> type[forms.Form]:
        key = (type(self), get_language())
        form = _FORM_CLASSES.get(key)
        if form is None:
            form = _FORM_CLASSES[key] = super().get_form_class()
        return form


class TicketFilter(StaticFormFilterSet):
    status = InFilter(choices=Status.choices)
    priority = InFilter(choices=Priority.choices)
    assignee = PersonFilter(field_name="assignee_id")
    owner = PersonFilter(field_name="owner_id")
    # plain numbers, not model choices: an id outside the caller's scope must look like any
    # id that matches nothing (an empty list), never like "that one does not exist"
    enterprise = IdFilter(field_name="enterprise_id")
    service_item = django_filters.CharFilter(field_name="service_item__code")
    park = IdFilter(field_name="park_id")
    overdue = StrictBooleanFilter()
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = django_filters.CharFilter(method="filter_search", max_length=100)

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_search(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        # walked from the newest only in a wide scope without another filter: a filter may
        # keep only old tickets (created_before) or few of every step (a rare status), and
        # the walk would then read every step (250 ms at 1,000,000 tickets, plainly 30 ms)
        user = getattr(self.request, "user", None)
        others = any(v not in (None, "", [], ()) for k, v in self.form.cleaned_data.items() if k != name)
        if not isinstance(user, User):
            return ticket_search(qs, value)
        return ticket_search(qs, value, wide=wide_scope(user) and not others, within=search_within(user))


class ExtensionFilter(StaticFormFilterSet):
    status = django_filters.ChoiceFilter(choices=ExtensionRequest.Status.choices)
    # a plain number: a ticket outside the caller's scope filters to nothing, like a missing one
    ticket = IdFilter(field_name="ticket_id")

    class Meta:
        model = ExtensionRequest
        fields: list[str] = []


class AssistFilter(StaticFormFilterSet):
    department = IdFilter(field_name="department_id")
    ticket = IdFilter(field_name="ticket_id")
    answered = StrictBooleanFilter(field_name="answered_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = AssistRequest
        fields: list[str] = []
