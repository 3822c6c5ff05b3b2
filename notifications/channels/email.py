"""Email through Django's email backend: a text part and an HTML alternative."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks

from notifications.models import Notification
from notifications.replyto import message_id, reply_address
from servicedesk.validators import one_line

from .base import DeliveryError

SUBJECT_LIMIT = 150  # characters; mail clients show fewer


def send(notification: Notification) -> None:
    recipient = notification.recipient
    if recipient is None or not recipient.email:
        raise DeliveryError("the recipient has no email address")
    # a header is one line: a break in a stored subject would be refused (BadHeaderError) at
    # every retry, or read as another header
    subject = one_line(notification.subject)[:SUBJECT_LIMIT]
    html = f"<html><body><h3>{escape(subject)}</h3>{linebreaks(escape(notification.body))}</body></html>"
    message = EmailMultiAlternatives(
        subject=subject,
        body=notification.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        # a reply threads onto its ticket (mailin): by the signed Reply-To, or by In-Reply-To
        reply_to=[address]
        if (
            address := reply_address(
                topic_type=notification.topic_type, topic_id=notification.topic_id, user_id=recipient.pk
            )
        )
        else None,
        headers={"Message-ID": message_id(notification.pk)},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except OSError as exc:
        raise DeliveryError(f"email: {exc}") from exc
