"""Signed JSON POSTs: `X-ServiceDesk-Timestamp` and `X-ServiceDesk-Signature: sha256=<hex
HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>`. A short timeout: one slow
endpoint holds up only its own task."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request

from django.conf import settings

from notifications.models import Notification, WebhookEndpoint

from .base import DeliveryError


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post(endpoint: WebhookEndpoint, body: bytes) -> int:
    """POST a signed body; the HTTP status, or DeliveryError."""
    if not endpoint.url.startswith(("http://", "https://")):
        raise DeliveryError("webhook URLs must be http(s)")
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "park-service-desk/1",
            "X-ServiceDesk-Timestamp": timestamp,
            "X-ServiceDesk-Signature": sign(endpoint.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook answered HTTP {status}")
    return status


def send(notification: Notification) -> None:
    endpoint = notification.endpoint
    if endpoint is None or not endpoint.active:
        raise DeliveryError("the webhook endpoint is gone or inactive")
    post(endpoint, notification.body.encode())
