"""Per-user limits on what an enterprise user writes (an enterprise once filed 50 tickets
and 20 replies in seconds, each an alert to its officers). Staff are not limited here: they carry the desk's work
in bursts (a visit files many tickets); the general `user` rate still applies to everyone.

A view names the scope of each of its actions in `enterprise_throttle_scopes`; the scope
`enterprise_ticket` reads its rate from the setting ENTERPRISE_TICKET_THROTTLE_RATE,
`enterprise_write` from ENTERPRISE_WRITE_THROTTLE_RATE ("20/hour", DRF's notation). The
counters live in the shared cache (servicedesk.cache), like every other API throttle."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from servicedesk.models import User


class EnterpriseWriteThrottle(SimpleRateThrottle):
    scope_attr = "enterprise_throttle_scopes"

    def __init__(self) -> None:  # the rate depends on the view: see allow_request
        pass

    def get_rate(self) -> str | None:
        return str(getattr(settings, f"{str(self.scope).upper()}_THROTTLE_RATE"))

    def allow_request(self, request: Request, view: Any) -> bool:
        scopes = getattr(view, self.scope_attr, {})
        scope = scopes.get(getattr(view, "action", None))
        user = request.user
        if (
            request.method in SAFE_METHODS
            or scope is None
            or not isinstance(user, User)
            or user.role != User.Role.ENTERPRISE
            or user.is_superuser
        ):
            return True
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def enterprise_wait(request: Any, scope: str) -> float | None:
    """For the web's forms (filing, replying, attaching), which are not DRF views: None when
    this POST of an enterprise user is within the scope's rate (and counts it), else the
    seconds to wait. The same counters as the API's, so the portal and the API share a limit."""
    throttle = EnterpriseWriteThrottle()
    view = SimpleNamespace(action="web", enterprise_throttle_scopes={"web": scope})
    if throttle.allow_request(request, view):
        return None
    return throttle.wait() or 60.0
