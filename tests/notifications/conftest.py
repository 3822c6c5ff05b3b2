from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.channels.sms import LocmemSmsBackend
from tests.notifications.robots import robot_server  # noqa: F401
from tests.tickets.conftest import T0, World, clock, file_ticket, world  # noqa: F401

SECRET = "s3cret-webhook-key"


@dataclass
class Receiver:
    """A real HTTP receiver on 127.0.0.1 that checks the HMAC signature of every POST.
    Paths: /ok answers 204, /fail 500, /slow sleeps `slow_seconds` first."""

    port: int = 0
    secret: str = SECRET
    slow_seconds: float = 3.0
    received: list[dict[str, object]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str = "/ok") -> list[dict[str, object]]:
        with self.lock:
            return [r["json"] for r in self.received if r["path"] == path and r["valid"]]  # type: ignore[misc]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            timestamp = self.headers.get("X-ServiceDesk-Timestamp", "")
            expected = (
                "sha256="
                + hmac.new(receiver.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
            )
            valid = hmac.compare_digest(expected, self.headers.get("X-ServiceDesk-Signature", ""))
            if self.path == "/slow":
                time.sleep(receiver.slow_seconds)
            with receiver.lock:
                receiver.received.append(
                    {"path": self.path, "valid": valid, "json": json.loads(body or b"null"), "ts": timestamp}
                )
            status = 500 if self.path == "/fail" else (204 if valid else 401)
            try:
                self.send_response(status)
                self.end_headers()
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:  # type: ignore[no-untyped-def]
    """The receiver, and its address let through the SSRF guard (notifications/channels/safeurl.py)."""
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    rec = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    server.daemon_threads = True
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _notification_settings(settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    settings.NOTIFICATIONS_WEBHOOK_TIMEOUT = 1.0
    LocmemSmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def published(request, monkeypatch):  # type: ignore[no-untyped-def]
    """The ids of the send tasks published: no test but the end-to-end ones talks to a
    broker (a shared Redis must not receive this suite's tasks)."""
    ids: list[int] = []
    if request.node.get_closest_marker("e2e"):
        return ids
    from notifications.tasks import notification_send_batch

    def publish(args, **kwargs):  # type: ignore[no-untyped-def]
        ids.extend(args[0])

    monkeypatch.setattr(notification_send_batch, "apply_async", publish)
    return ids


@pytest.fixture
def eager(monkeypatch):  # type: ignore[no-untyped-def]
    """Published send tasks run at once, inline, as if a worker had taken them."""
    from notifications.tasks import notification_send_batch

    def run(args, **kwargs):  # type: ignore[no-untyped-def]
        notification_send_batch.apply(args)

    monkeypatch.setattr(notification_send_batch, "apply_async", run)
