"""The SMTP intake end to end: aiosmtpd on a free 127.0.0.1 port, a message sent with smtplib,
the ticket in the database (the handler runs receive() in a thread with its own connection,
hence a transactional test)."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command

from mailin.models import InboundMessage
from mailin.smtp import controller
from tests.mailin.conftest import DESK, message
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_port(desk) -> Iterator[int]:  # type: ignore[no-untyped-def]
    port = free_port()
    server = controller("127.0.0.1", port)
    server.start()
    try:
        yield port
    finally:
        server.stop()


def test_a_message_over_smtp_files_a_ticket(desk, smtp_port):  # type: ignore[no-untyped-def]
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        refused = client.sendmail("company@example.com", [DESK], message("gbk_multipart.eml"))
    assert refused == {}
    record = InboundMessage.objects.get()
    assert (record.intake, record.status) == ("smtp", "filed")
    ticket = Ticket.objects.get(pk=record.ticket_id)
    assert (ticket.title, ticket.channel) == ("用电报装申请", "email")
    assert ticket.attachments.count() == 1


def test_other_domains_and_bounces_are_not_filed(desk, smtp_port):  # type: ignore[no-untyped-def]
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("company@example.com", ["someone@elsewhere.cn"], message("utf8_plain.eml"))
        client.sendmail("", [DESK], message("utf8_plain.eml"))  # MAIL FROM:<> is a bounce
    assert InboundMessage.objects.get().status == "ignored"
    assert Ticket.objects.count() == 0


def test_a_message_over_the_size_limit_is_refused(desk, settings):  # type: ignore[no-untyped-def]
    settings.MAILIN_MAX_BYTES = 500
    port = free_port()
    server = controller("127.0.0.1", port)
    server.start()
    try:
        with (
            smtplib.SMTP("127.0.0.1", port, timeout=10) as client,
            pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)),
        ):
            client.sendmail("company@example.com", [DESK], message("gbk_multipart.eml"))
    finally:
        server.stop()
    assert InboundMessage.objects.count() == 0


def test_the_command_needs_the_desk_address(settings):  # type: ignore[no-untyped-def]
    settings.MAILIN_ADDRESS = ""
    with pytest.raises(CommandError, match="MAILIN_ADDRESS"):
        call_command("mailin_smtp", "--port", "0")
