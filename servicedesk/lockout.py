"""Password guessing, counted two ways on every sign-in path (the API token, the admin, the
web login: everything that goes through `django.contrib.auth.authenticate` with a request).

- Per username and address (django-axes): AXES_FAILURE_LIMIT wrong passwords in a row lock
  that pair out.
- Per address (`SignInAddressLimitMiddleware`): SIGNIN_ADDRESS_FAILURE_LIMIT failed sign-ins
  from one address, whatever the usernames, within SIGNIN_ADDRESS_WINDOW_MINUTES refuse every
  further sign-in from it (429) until the window ends. This is what stops password spraying:
  one password tried against many usernames, which never trips the per-user count. Only
  failures count, so an office behind one address signing in every morning is not hindered.
  The counters live in the shared cache (Redis), so every process counts together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache as shared_cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)

#: The URL names of the sign-in paths whose POSTs the per-address limit guards (a name that
#: does not exist in this deployment is skipped).
SIGNIN_URL_NAMES = ("login", "admin:login", "api-token", "password_reset")


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


# --- per address ---------------------------------------------------------------------------


def _window_seconds() -> int:
    return int(settings.SIGNIN_ADDRESS_WINDOW_MINUTES) * 60


def _failures_key(address: str) -> str:
    return f"signin-failures:{address}"


def address_failures(address: str) -> int:
    return int(shared_cache.get(_failures_key(address)) or 0)


@receiver(user_login_failed, dispatch_uid="servicedesk.lockout.count_failure")
def count_failure(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """One more failed sign-in from the request's address (a fixed window from the first). A
    success clears nothing: a sprayer could sign in to an account of their own between guesses."""
    if request is None:
        return
    key = _failures_key(client_address(request))
    if shared_cache.add(key, 1, timeout=_window_seconds()):
        return
    try:
        shared_cache.incr(key)
    except ValueError:  # expired between the two calls
        shared_cache.add(key, 1, timeout=_window_seconds())


@cache
def _signin_paths() -> frozenset[str]:
    paths = set()
    for name in SIGNIN_URL_NAMES:
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            continue
    return frozenset(paths)


def _refused(request: HttpRequest) -> HttpResponse:
    minutes = int(settings.SIGNIN_ADDRESS_WINDOW_MINUTES)
    message = _("Too many failed sign-ins from your address. Try again in %(minutes)s minutes.") % {"minutes": minutes}
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "too_many_sign_ins"}, status=429)
    else:
        page = loader.get_template("400.html").render({"reason": message})  # the site's bare layout
        response = HttpResponse(page, status=429)
    response["Retry-After"] = str(_window_seconds())
    return response


class SignInAddressLimitMiddleware:
    """Refuses a sign-in POST (429, logged) from an address with too many failed sign-ins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method == "POST" and request.path_info in _signin_paths():
            address = client_address(request)
            failures = address_failures(address)
            if failures >= int(settings.SIGNIN_ADDRESS_FAILURE_LIMIT):
                logger.warning(
                    "sign-in refused for address %s at %s: %d failed sign-ins within %d minutes",
                    address,
                    request.path_info,
                    failures,
                    settings.SIGNIN_ADDRESS_WINDOW_MINUTES,
                )
                return _refused(request)
        return self.get_response(request)
