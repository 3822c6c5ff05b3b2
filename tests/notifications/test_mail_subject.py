"""A line break in user text never reaches a mail header: a ticket's title is one line (its
breaks and tabs become spaces when it is filed), and an e-mail's subject is built from a
single-line, length-capped form of the notification's subject whatever the row holds."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications import services
from notifications.models import Notification
from servicedesk.models import User
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _deliver_email() -> list[str]:
    return [
        services.notification_deliver(notification_id=pk)
        for pk in Notification.objects.filter(channel="email").order_by("pk").values_list("pk", flat=True)
    ]


def test_a_title_with_line_breaks_is_filed_as_one_line(world, file_ticket):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com")
    ticket = file_ticket(title="用电报装\r\nBcc: evil@example.com\n\t急")
    assert Ticket.objects.get(pk=ticket["id"]).title == "用电报装 Bcc: evil@example.com 急"
    assert _deliver_email() == ["sent"]
    (message,) = mail.outbox
    assert message.bcc == [] and message.to == ["chief@example.com"]
    assert "\n" not in message.message()["Subject"]


def test_a_stored_subject_with_a_line_break_is_still_delivered_on_one_line(world, file_ticket):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com")
    file_ticket()
    Notification.objects.filter(channel="email").update(subject="第一行\r\nBcc: evil@example.com " + "长" * 160)
    assert _deliver_email() == ["sent"]
    (message,) = mail.outbox
    assert message.subject.startswith("第一行 Bcc: evil@example.com 长")
    assert "\n" not in message.subject and "\r" not in message.subject
    assert len(message.subject) <= 150
