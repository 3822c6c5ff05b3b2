"""Email through Django's email backend: a text part and an HTML alternative."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks

from notifications.models import Notification

from .base import DeliveryError


def send(notification: Notification) -> None:
    recipient = notification.recipient
    if recipient is None or not recipient.email:
        raise DeliveryError("the recipient has no email address")
    html = f"<html><body><h3>{escape(notification.subject)}</h3>{linebreaks(escape(notification.body))}</body></html>"
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except OSError as exc:
        raise DeliveryError(f"email: {exc}") from exc
