"""SMS through a pluggable backend (`NOTIFICATIONS_SMS_BACKEND`, a dotted path to a class
with `send(phone, text)`); the console backend prints, the locmem backend keeps an outbox."""

from __future__ import annotations

import sys
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.models import Notification
from notifications.sentences import sms_text

from .base import DeliveryError


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class ConsoleSmsBackend:
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"SMS to {phone}: {text}\n")
        sys.stdout.flush()


class LocmemSmsBackend:
    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
    return backend


def send(notification: Notification) -> None:
    recipient = notification.recipient
    if recipient is None or not recipient.phone:
        raise DeliveryError("the recipient has no mobile phone number")
    # fixed words and the ticket's number only: no title, reply or other user text by SMS
    text = sms_text(notification.event_kind, notification.sentence_payload(), notification.language or None)
    get_backend().send(recipient.phone, text)
