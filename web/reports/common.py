"""What the managers' pages share: access (managers and admins, 403 otherwise), bad
parameters as a 400 page, links to pages that may not be wired, period navigation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from reports import Period, period_following, period_name
from reports.exports import EXPORT_FORMATS
from scaleout.replica import replica_read
from servicedesk.errors import Invalid
from servicedesk.models import User
from servicedesk.selectors import is_admin

ManagerView = Callable[[HttpRequest, User], HttpResponseBase]


def manager_page(view: ManagerView) -> Callable[[HttpRequest], HttpResponseBase]:
    """GET and HEAD only (405 otherwise: the pages change nothing); signed in (else the
    sign-in page); a manager or an administrator (else 403); an Invalid parameter renders the
    400 page with its message, never a 500."""

    @require_safe
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if not isinstance(user, User) or not (is_admin(user) or user.role == User.Role.MANAGER):
            raise PermissionDenied
        try:
            return replica_read(view, request, user)  # the figures read from the standby when there is one
        except Invalid as exc:
            return render(
                request, "web/reports/bad_request.html", {"message": exc.message, "detail": exc.detail}, status=400
            )

    return wrapped


def export_format(request: HttpRequest) -> str | None:
    """`?format=csv|xlsx` asks for a download; no format is the page; anything else is 400."""
    fmt = request.GET.get("format") or None
    if fmt is not None and fmt not in EXPORT_FORMATS:
        raise Invalid(_("The download format is csv or xlsx."), detail={"format": ["csv, xlsx"]})
    return fmt


def safe_reverse(name: str, *args: Any, query: dict[str, Any] | None = None) -> str:
    """The page's address, or "" when the page is not wired (the template then shows no link)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode(query)}" if query else url


def period_nav(request: HttpRequest, kind: str, period: Period) -> dict[str, Any]:
    """The period, its name, links to the previous and next periods and to the downloads
    (the other parameters, e.g. `level`, kept)."""

    def link(**changes: str) -> str:
        params = request.GET.copy()
        params.pop("format", None)
        for key, value in changes.items():
            params[key] = value
        return f"{request.path}?{params.urlencode()}"

    return {
        "period": period,
        "period_name": period_name(period),
        "period_last_day": period.end - dt.timedelta(days=1),
        "previous_url": link(**{kind: period_name(period.previous())}),
        "next_url": link(**{kind: period_name(period_following(period))}),
        "csv_url": link(**{kind: period_name(period)}, format="csv"),
        "xlsx_url": link(**{kind: period_name(period)}, format="xlsx"),
    }
