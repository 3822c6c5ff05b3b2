"""Signed JSON POSTs: `X-ServiceDesk-Timestamp` and `X-ServiceDesk-Signature: sha256=<hex
HMAC-SHA256 of "<timestamp>.<body>" with the endpoint's secret>`. A short timeout: one slow
endpoint holds up only its own task. The POST goes through `safeurl` (public addresses only,
no redirects)."""

from __future__ import annotations

import hashlib
import hmac
import time

from notifications.models import Notification, WebhookEndpoint

from . import safeurl
from .base import DeliveryError


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post(endpoint: WebhookEndpoint, body: bytes) -> int:
    """POST a signed body; the HTTP status, or DeliveryError (Undeliverable for a redirect or
    an address notifications may not be sent to)."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "park-service-desk/1",
        "X-ServiceDesk-Timestamp": timestamp,
        "X-ServiceDesk-Signature": sign(endpoint.secret, timestamp, body),
    }
    status, _answer = safeurl.post(endpoint.url, body, headers, who="webhook")
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook answered HTTP {status}")
    return status


def send(notification: Notification) -> None:
    endpoint = notification.endpoint
    if endpoint is None or not endpoint.active:
        raise DeliveryError("the webhook endpoint is gone or inactive")
    post(endpoint, notification.body.encode())
