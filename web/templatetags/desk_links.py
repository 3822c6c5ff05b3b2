"""`{{ number|ticket_url }}`: the ticket page of a ticket number, or "" while that page is
not wired (the template then shows the number as plain text). `{{ iso|iso_datetime }}`: a
time stamp kept in an event's data, for the `date` filter."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.filter
def ticket_url(number: object) -> str:
    if not number:
        return ""
    try:
        return reverse("ticket-page", args=[str(number)])
    except NoReverseMatch:
        return ""


@register.filter
def iso_datetime(value: object) -> datetime | None:
    """An ISO 8601 time stamp as an event's data keeps it (`2026-11-20T10:00:00+00:00`), as a
    datetime for the `date` filter; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
