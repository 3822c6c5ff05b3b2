"""`inbox_unread` and `inbox_url`: the signed-in user's unread inbox count for the badge on
the nav's inbox link. Lazy: the one COUNT query (on the inbox index) runs only when a
template shows it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from notifications.models import Notification, NotificationChannel


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(
        recipient_id=user_id, channel=NotificationChannel.INBOX, read_at__isnull=True
    ).count()


def inbox_unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"inbox_unread": 0, "inbox_url": None}
    user_id = user.pk
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user_id)), "inbox_url": reverse("inbox")}
