"""One module per channel; each exposes `send(notification) -> None` and raises on failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifications.models import Notification


class DeliveryError(Exception):
    """A delivery that failed and may succeed later (the row is retried with backoff)."""


def sender_for(channel: str) -> Callable[[Notification], None]:
    from . import email, inbox, sms, webhook

    senders: dict[str, Callable[[Notification], None]] = {
        "inbox": inbox.send,
        "email": email.send,
        "webhook": webhook.send,
        "sms": sms.send,
    }
    return senders[channel]
