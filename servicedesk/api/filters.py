"""The API's filtering: django-filter, with every reference to another row filtered by its id.

django-filter turns a foreign key in `filterset_fields` into a choice among *all* rows of the
other table: an id that does not exist is a 400 ("Select a valid choice"), while an existing
one outside the caller's scope is a 200 with nothing in it, which tells an outsider which ids
exist. Here such a filter is a plain positive id: a row that does not exist and a row the
caller may not see both give the same empty page."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend

from servicedesk import clock
from servicedesk.api.ids import BIGINT_MAX


class IdFilter(django_filters.NumberFilter):
    """A positive integer id within the database's range; anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class _DeskDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time within the desk's years (clock.EARLIEST … clock.LATEST): a far
    one is a mistake or a probe, and at year 1 its conversion to UTC overflows (a 500)."""

    def to_python(self, value: Any) -> Any:
        moment = super().to_python(value)
        if moment is not None and not clock.in_range(moment.date()):
            raise ValidationError(
                _("Between %(earliest)s and %(latest)s.") % {"earliest": clock.EARLIEST, "latest": clock.LATEST},
                code="out_of_range",
            )
        return moment


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time within the desk's years; anything else is a 400 naming it."""

    field_class = _DeskDateTimeField


class IdFilterSet(django_filters.rest_framework.FilterSet):
    """A FilterSet whose foreign keys filter by id, never by a choice among every row."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
    }


class DeskFilterBackend(DjangoFilterBackend):
    """DRF's django-filter backend, building a view's `filterset_fields` on IdFilterSet."""

    filterset_base = IdFilterSet
