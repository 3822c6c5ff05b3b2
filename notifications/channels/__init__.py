"""One module per channel; each exposes `send(notification) -> None` and raises on failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .base import DeliveryError, Undeliverable

if TYPE_CHECKING:
    from notifications.models import Notification

__all__ = ["DeliveryError", "Undeliverable", "robot_message", "sender_for"]


def sender_for(channel: str) -> Callable[[Notification], None]:
    from . import dingtalk, email, feishu, inbox, sms, webhook, wecom

    senders: dict[str, Callable[[Notification], None]] = {
        "inbox": inbox.send,
        "email": email.send,
        "webhook": webhook.send,
        "sms": sms.send,
        "wecom": wecom.send,
        "dingtalk": dingtalk.send,
        "feishu": feishu.send,
    }
    return senders[channel]


def robot_message(channel: str, *, title: str, text: str, link: str, language: str) -> dict[str, Any]:
    """A group robot's message (the JSON body before signing) in its own format."""
    from . import dingtalk, feishu, wecom

    composers = {"wecom": wecom.message, "dingtalk": dingtalk.message, "feishu": feishu.message}
    return composers[channel](title, text, link, language)
