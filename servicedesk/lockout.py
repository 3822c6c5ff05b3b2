"""Password guessing: django-axes locks a username out from one client address after
AXES_FAILURE_LIMIT wrong passwords in a row, for every login that goes through
`django.contrib.auth.authenticate` with a request (the API token, the admin, the web login)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes's check, for logins that come with a request. A login without one (the test
    client's `login()`, a management command) has no client address to lock and is left to
    the next backend, where axes itself would raise instead."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)  # type: ignore[no-any-return]


def client_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username failures are counted for, in lower case: sign-in ignores case
    (servicedesk.models.UserManager), so `Alice` and `alice` are one account with one count.
    Axes asks with the credentials of an attempt, or with the user's own name on success (to
    reset the count); without either, the posted form or body."""
    source = credentials or getattr(request, "data", request.POST)
    username = source.get("username")
    return username.lower() if isinstance(username, str) else None


def client_address(request: HttpRequest) -> str:
    """The client address, by the rule the API throttles use: REMOTE_ADDR unless NUM_PROXIES
    trusted proxies add X-Forwarded-For (then the address the outermost trusted one saw)."""
    proxies = int(api_settings.NUM_PROXIES or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", ""))


def lockout_response(
    request: HttpRequest, original_response: HttpResponseBase | None, credentials: Any
) -> HttpResponse:
    """429 with Retry-After: JSON for the API (the shape of its other errors), text elsewhere."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed logins: this account is locked from your address for %(minutes)s minutes.") % {
        "minutes": minutes
    }
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
