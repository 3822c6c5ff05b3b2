"""Independent reads in one round trip.

`read_together(a, b)` returns what `list(a), list(b)` would, from one SQL statement on
PostgreSQL: each queryset becomes a JSON array in one row (`json_agg` over its own SQL), and
each element becomes a model instance again through the fields' `to_python`. For plain model
querysets (no `select_related`, annotations, `values()` or deferred fields); on other
databases, one query each."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def _plain(qs: QuerySet[Any]) -> bool:
    query = qs.query
    return not (query.select_related or query.annotations or query.values_select or query.deferred_loading[0])


def read_together(*querysets: QuerySet[Any]) -> list[list[Any]]:
    """The rows of each queryset, in one query on PostgreSQL (see the module)."""
    if not querysets:
        return []
    db = querysets[0].db
    connection = connections[db]
    if connection.vendor != "postgresql" or len(querysets) < 2 or not all(_plain(qs) for qs in querysets):
        return [list(qs) for qs in querysets]
    parts: list[str] = []
    params: list[Any] = []
    for qs in querysets:
        try:
            sql, qs_params = qs.query.get_compiler(using=db).as_sql()
        except EmptyResultSet:  # e.g. `pk__in=[]`: nothing to ask for
            parts.append("'[]'::json")
            continue
        # the subquery's ORDER BY feeds json_agg in that order
        parts.append(f"(SELECT coalesce(json_agg(row_to_json(q)), '[]') FROM ({sql}) q)")  # noqa: S608  Django's SQL
        params.extend(qs_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    results: list[list[Any]] = []
    for qs, data in zip(querysets, row, strict=True):
        items = json.loads(data) if isinstance(data, str | bytes) else data
        fields = qs.model._meta.concrete_fields
        names = [f.attname for f in fields]
        results.append([qs.model.from_db(db, names, [f.to_python(item[f.column]) for f in fields]) for item in items])
    return results
