from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from .models import Priority, Status, Ticket


class PersonFilter(django_filters.CharFilter):
    """A user id, or `me` for the caller."""

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value:
            return qs
        if value == "me":
            return qs.filter(**{self.field_name: self.parent.request.user.pk})
        if not value.isdigit():
            from django.core.exceptions import ValidationError

            raise ValidationError({self.field_name: ["Give a user id or 'me'."]})
        return qs.filter(**{self.field_name: int(value)})


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    assignee = PersonFilter(field_name="assignee_id")
    owner = PersonFilter(field_name="owner_id")
    # plain numbers, not model choices: an id outside the caller's scope must look like any
    # id that matches nothing (an empty list), never like "that one does not exist"
    enterprise = django_filters.NumberFilter(field_name="enterprise_id")
    service_item = django_filters.CharFilter(field_name="service_item__code")
    park = django_filters.NumberFilter(field_name="park_id")
    overdue = django_filters.BooleanFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = django_filters.CharFilter(method="filter_search", max_length=100)

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_search(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(title__icontains=value) | Q(description__icontains=value) | Q(number=value))
