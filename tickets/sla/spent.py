"""Working time spent on a ticket, stored with it: the working seconds from filing to the first
response and to the resolution, on the default calendar (what the officers' report counts).

The services write them in the transaction that sets ``first_response_at`` / ``resolved_at``
(:func:`stamp`), so the report reads two integers a ticket instead of computing working time
in Python for every ticket of the period. :func:`recompute` writes them again from the
timestamps: for rows written before they existed (migration tickets 0014) and after the
calendar of days already past is edited (`manage.py recompute_working_seconds`, and the task
the calendar's admin starts)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import connections, transaction
from django.db.models import Case, F, Q, QuerySet, When
from django.utils import timezone

from .worktime import WorkingTime

if TYPE_CHECKING:
    from tickets.models import Ticket

FIELDS = ("first_response_seconds", "resolution_seconds")


def seconds(wt: WorkingTime, start: dt.datetime, end: dt.datetime | None) -> int | None:
    """Working seconds from ``start`` to ``end`` (None without an end; 0 when it is not later)."""
    return None if end is None else wt.between(start, end)


def start_of(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in the desk's time zone: where a calendar change counts from."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def with_times(queryset: QuerySet[Any], *lead: Any) -> QuerySet[Any]:
    """``queryset.values_list(*lead, first response seconds, resolution seconds, filed,
    responded, resolved)`` for :func:`minutes`: the stored seconds, and the timestamps only
    where a stored value is missing (rows written around the services), so that a report of
    many tickets reads two integers a row."""
    unstored = Q(first_response_at__isnull=False, first_response_seconds__isnull=True) | Q(
        resolved_at__isnull=False, resolution_seconds__isnull=True
    )
    return queryset.values_list(
        *lead,
        *FIELDS,
        Case(When(unstored, then=F("created_at"))),
        Case(When(first_response_seconds__isnull=True, then=F("first_response_at"))),
        Case(When(resolution_seconds__isnull=True, then=F("resolved_at"))),
    )


def minutes(wt: WorkingTime, stored: int | None, filed: dt.datetime | None, end: dt.datetime | None) -> float | None:
    """Working minutes of one span of a :func:`with_times` row: stored, else from the times."""
    if stored is not None:
        return stored / 60
    if end is None or filed is None:
        return None
    return seconds(wt, filed, end) / 60  # type: ignore[operator]


def stamp(ticket: Ticket, wt: WorkingTime | None = None) -> None:
    """Set the ticket's stored working seconds from its timestamps (the caller saves
    :data:`FIELDS` with the change)."""
    wt = wt or WorkingTime.default()
    ticket.first_response_seconds = seconds(wt, ticket.created_at, ticket.first_response_at)
    ticket.resolution_seconds = seconds(wt, ticket.created_at, ticket.resolved_at)


def recompute(*, since: dt.datetime | None = None, batch: int = 5000, using: str = "default", model: Any = None) -> int:
    """Write the stored working seconds of every ticket answered or resolved since ``since``
    (every such ticket without), from its timestamps, in batches of ``batch``
    rows, each its own transaction. Returns the number of tickets written. ``model``: the
    Ticket model to read with (a migration passes its historical one)."""
    if model is None:
        from tickets.models import Ticket as model

    rows = model._default_manager.using(using).filter(Q(first_response_at__isnull=False) | Q(resolved_at__isnull=False))
    if since is not None:  # a day's change counts only for what ended after it
        rows = rows.filter(Q(first_response_at__gte=since) | Q(resolved_at__gte=since))
    if not rows.exists():
        return 0
    wt = WorkingTime.default()
    done, after = 0, 0
    while True:
        chunk = list(
            rows.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "created_at", "first_response_at", "resolved_at")[:batch]
        )
        if not chunk:
            return done
        values = [(pk, seconds(wt, c, r), seconds(wt, c, s)) for pk, c, r, s in chunk]
        with transaction.atomic(using=using):
            _write(model._meta.db_table, values, using)
        done += len(values)
        after = chunk[-1][0]


def _write(table_name: str, values: list[tuple[int, int | None, int | None]], using: str) -> None:
    connection = connections[using]
    table = connection.ops.quote_name(table_name)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows = ", ".join(["(%s::bigint, %s::integer, %s::integer)"] * len(values))
            cursor.execute(
                f"UPDATE {table} AS t SET first_response_seconds = v.r, resolution_seconds = v.s"  # noqa: S608
                f" FROM (VALUES {rows}) AS v(id, r, s) WHERE t.id = v.id",
                [x for row in values for x in row],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET first_response_seconds = %s, resolution_seconds = %s WHERE id = %s",  # noqa: S608
                [(r, s, pk) for pk, r, s in values],
            )
