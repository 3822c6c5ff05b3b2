"""`{{ number|ticket_url }}`: the ticket page of a ticket number, or "" while that page is
not wired (the template then shows the number as plain text)."""

from __future__ import annotations

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
