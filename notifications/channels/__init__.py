"""One module per channel; each exposes `send(notification) -> None` and raises on failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .base import DeliveryError

if TYPE_CHECKING:
    from notifications.models import Notification

__all__ = ["DeliveryError", "sender_for"]


def sender_for(channel: str) -> Callable[[Notification], None]:
    from . import email, inbox, sms, webhook

    senders: dict[str, Callable[[Notification], None]] = {
        "inbox": inbox.send,
        "email": email.send,
        "webhook": webhook.send,
        "sms": sms.send,
    }
    return senders[channel]
