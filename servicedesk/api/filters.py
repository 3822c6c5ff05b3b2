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
from django.db import models
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend

from servicedesk.api.ids import BIGINT_MAX


class IdFilter(django_filters.NumberFilter):
    """A positive integer id within the database's range; anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


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
