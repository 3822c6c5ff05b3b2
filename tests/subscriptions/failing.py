"""A mail backend whose server refuses every message (the sheets' retry test)."""

from __future__ import annotations

from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("the mail server refused the connection")


class SlowBackend(BaseEmailBackend):
    """A mail server that takes half a second per message (two senders overlap)."""

    def send_messages(self, email_messages: Any) -> int:
        import time

        from django.core import mail

        time.sleep(0.5)
        mail.outbox.extend(email_messages)
        return len(email_messages)
