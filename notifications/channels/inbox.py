"""The in-app inbox: the row is already what the user reads; "sending" marks it delivered."""

from __future__ import annotations

from notifications.models import Notification


def send(notification: Notification) -> None:
    return None
