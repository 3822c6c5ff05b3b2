"""`/healthz`: the process answers. `/readyz`: the database and the broker answer too (and,
with a read replica, whether the heavy reads go to it or fall back to the primary)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from scaleout.redis import redis_client
from scaleout.replica import replica_status


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_broker() -> str:
    try:
        client = redis_client(
            settings.CELERY_BROKER_URL,
            master=settings.REDIS_SENTINEL_MASTER,
            sentinel_password=settings.REDIS_SENTINEL_PASSWORD,
            socket_connect_timeout=1,
            socket_timeout=1,
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # connection refused, timeout, auth, bad URL
        return f"error: {exc.__class__.__name__}"
    return "ok"


_DETAILS: dict[str, Callable[[], Any]] = {}


def readiness_detail(name: str, probe: Callable[[], Any]) -> None:
    """Register a part's own report for /readyz's `details` (an app's `ready()` calls this):
    shown, never a reason for 503 — the desk works without it."""
    _DETAILS[name] = probe


def _details() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, probe in _DETAILS.items():
        try:
            out[name] = probe()
        except Exception as exc:  # a detail must never break the readiness answer
            out[name] = {"status": f"error: {exc.__class__.__name__}"}
    return out


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(v == "ok" for v in checks.values())
    failed = [name for name, v in checks.items() if v != "ok"]
    body: dict[str, object] = {"status": "ok" if ready else "unavailable", "checks": checks, "failed": failed}
    body["details"] = _details()
    replica = replica_status(fresh=True)
    if replica.configured:
        # a standby that is down or behind is not a reason to stop serving: the heavy reads
        # go to the primary meanwhile, and this says so
        body["replica"] = replica.detail
    return JsonResponse(body, status=200 if ready else 503)
