"""What becomes of a message to the desk (README "E-mail in"): a reply to a notification goes on
its ticket; a known enterprise user's message files a ticket; an unknown sender is answered once
a day and nothing is filed; automatic mail, bounces and loops are ignored. Every message is
recorded once, by its Message-ID, so a message polled or delivered again is never filed twice."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import Notification
from notifications.replyto import message_id_read, token_read
from servicedesk import clock
from servicedesk.errors import DomainError
from servicedesk.files import atomic_deleting_files
from servicedesk.models import ServiceItem, User
from tickets.models import Channel, Kind
from tickets.services import attachment_add, ticket_create, ticket_reply

from .models import InboundMessage, InboundStatus
from .parse import Parsed, parse

logger = logging.getLogger(__name__)

# Where the quoted original of a reply begins: what comes after it is not the reply.
_QUOTE_START = re.compile(
    r"^\s*(On .{0,200} wrote:|在.{0,200}写道[:：]?"
    r"|-{2,} ?(Original Message|原始邮件) ?-{2,}|From: .*|发件人[:：].*)\s*$",
    re.IGNORECASE,
)


def _desk_addresses() -> set[str]:
    return {a.lower() for a in (settings.MAILIN_ADDRESS, settings.DEFAULT_FROM_EMAIL) if a}


def reply_text(body: str) -> str:
    """The new text of a reply: the quoted original and its '>' lines left out."""
    lines: list[str] = []
    for line in body.splitlines():
        if _QUOTE_START.match(line):
            break
        if not line.lstrip().startswith(">"):
            lines.append(line)
    return "\n".join(lines).strip() or body.strip()


def _token_of(recipients: list[str]) -> str | None:
    """The reply token in a recipient address desk+<token>@domain, if any."""
    local, _at, domain = settings.MAILIN_ADDRESS.lower().rpartition("@")
    for address in recipients:
        name, _at2, to_domain = address.lower().rpartition("@")
        if to_domain == domain and name.startswith(local + "+"):
            return name[len(local) + 1 :]
    return None


def _sender_user(address: str) -> User | None:
    users = list(User.objects.filter(email__iexact=address, is_active=True)[:2]) if address else []
    return users[0] if len(users) == 1 else None


def _ignored_reason(parsed: Parsed) -> str:
    if parsed.bounce:
        return "bounce"
    if parsed.auto_submitted and parsed.auto_submitted != "no":
        return f"Auto-Submitted: {parsed.auto_submitted}"[:300]
    if parsed.precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {parsed.precedence}"
    if parsed.loop:
        return "loop header (X-Loop, X-Autoreply)"
    if not parsed.sender:
        return "no sender address"
    if parsed.sender in _desk_addresses():
        return "from the desk itself"
    return ""


def _reply(parsed: Parsed, recipients: list[str]) -> tuple[str, str, int | None] | None:
    """(status, reason, ticket id) for a message that answers a ticket, None for any other."""
    target: tuple[int, int] | None = None
    token = _token_of(recipients) if settings.MAILIN_ADDRESS else None
    if token is not None:
        target = token_read(token)
        if target is None:
            return InboundStatus.REFUSED, "reply token not genuine", None
    else:
        for value in parsed.in_reply_to:
            notification_id = message_id_read(value)
            if notification_id is None:
                continue
            notification = Notification.objects.filter(pk=notification_id, topic_type="ticket").first()
            if notification and notification.topic_id is not None and notification.recipient_id is not None:
                target = (int(notification.topic_id), notification.recipient_id)
                break
    if target is None:
        return None
    ticket_id, user_id = target
    user = _sender_user(parsed.sender)
    if user is None or user.pk != user_id:
        return InboundStatus.REFUSED, "the sender is not the addressee of that ticket's mail", ticket_id
    body = reply_text(parsed.body) or parsed.subject
    try:
        with atomic_deleting_files():
            ticket_reply(ticket_id=ticket_id, actor=user, body=body)
            for attachment in parsed.attachments:
                upload = SimpleUploadedFile(attachment.name, attachment.data, attachment.content_type)
                attachment_add(ticket_id=ticket_id, actor=user, upload=upload)
    except DomainError as exc:
        return InboundStatus.REFUSED, str(exc)[:300], ticket_id
    return InboundStatus.REPLIED, "", ticket_id


def _service_item() -> ServiceItem | None:
    items = ServiceItem.objects.filter(is_active=True)
    if settings.MAILIN_DEFAULT_SERVICE_ITEM:
        return items.filter(code=settings.MAILIN_DEFAULT_SERVICE_ITEM).first()
    return items.order_by("pk").first()


def _file(parsed: Parsed, user: User) -> tuple[str, str, int | None]:
    since = clock.now() - timedelta(hours=1)
    filed = InboundMessage.objects.filter(sender=parsed.sender, status=InboundStatus.FILED, received_at__gte=since)
    if filed.count() >= settings.MAILIN_TICKETS_PER_HOUR:
        return InboundStatus.REFUSED, "too many tickets by mail this hour", None
    item = _service_item()
    if item is None:
        return InboundStatus.REFUSED, "no service item to file under (MAILIN_DEFAULT_SERVICE_ITEM)", None
    try:
        with atomic_deleting_files():  # the ticket and its attachments, all or nothing
            ticket = ticket_create(
                actor=user,
                title=parsed.subject or parsed.body[:60] or "(no subject)",
                description=parsed.body or parsed.subject,
                kind=Kind.HELP,
                service_item=item,
                channel=Channel.EMAIL,
            )
            for attachment in parsed.attachments:
                upload = SimpleUploadedFile(attachment.name, attachment.data, attachment.content_type)
                attachment_add(ticket_id=ticket.pk, actor=user, upload=upload)
    except DomainError as exc:
        return InboundStatus.REFUSED, str(exc)[:300], None
    return InboundStatus.FILED, "", ticket.pk


def _answer_unknown(address: str) -> None:
    """One polite answer: Chinese first, then English (the sender's language is unknown)."""
    url = settings.SERVICEDESK_BASE_URL.rstrip("/") + "/"
    parts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            parts.append(
                (
                    _("Your message reached the park service desk."),
                    _(
                        "We could not file it: this address is not registered with us. Registered "
                        "enterprises file requests in the portal: %(url)s"
                    )
                    % {"url": url},
                    _("This is an automatic answer; replies to it are not read."),
                )
            )
    subject = f"{parts[0][0]} / {parts[1][0]}"
    body = "\n\n".join("\n\n".join(text) for text in parts)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.MAILIN_ADDRESS or settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Auto-Submitted": "auto-replied", "X-Loop": settings.MAILIN_ADDRESS or settings.DEFAULT_FROM_EMAIL},
    )
    try:
        message.send(fail_silently=False)
    except OSError:
        logger.warning("mailin: the answer to an unknown sender was not sent", exc_info=True)


def receive(
    raw: bytes, *, intake: str, envelope_sender: str | None = None, recipients: list[str] | None = None
) -> InboundMessage:
    """Record and act on one message; a message already recorded is returned as it was."""
    parsed = parse(raw, envelope_sender=envelope_sender)
    message_id = parsed.message_id[:255] or f"<sha256-{hashlib.sha256(raw).hexdigest()}@mailin>"
    known = InboundMessage.objects.filter(message_id=message_id).first()
    if known is not None:
        return known
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = InboundMessage.objects.create(
                    message_id=message_id,
                    sender=parsed.sender[:254],
                    subject=parsed.subject[:200],
                    intake=intake,
                    status=InboundStatus.IGNORED,
                    received_at=clock.now(),
                )
        except IntegrityError:  # the other intake, or another poller, has it
            return InboundMessage.objects.get(message_id=message_id)
        status, reason, ticket_id = _route(parsed, [*(recipients or []), *parsed.recipients])
        record.status, record.reason, record.ticket_id = status, reason, ticket_id
        if status == InboundStatus.REFUSED and reason == "unknown sender":
            today = clock.now() - timedelta(days=1)
            told = InboundMessage.objects.filter(sender=parsed.sender, answered=True, received_at__gte=today)
            if not told.exists():
                record.answered = True
                address = parsed.sender
                transaction.on_commit(lambda: _answer_unknown(address))
        record.save()
    logger.info("mailin: %s %s from %s (%s)", message_id, record.status, parsed.sender, record.reason)
    return record


def _route(parsed: Parsed, recipients: list[str]) -> tuple[str, str, int | None]:
    if ignored := _ignored_reason(parsed):
        return InboundStatus.IGNORED, ignored, None
    if (replied := _reply(parsed, recipients)) is not None:
        return replied
    user = _sender_user(parsed.sender)
    if user is None:
        return InboundStatus.REFUSED, "unknown sender", None
    if user.role != User.Role.ENTERPRISE or user.enterprise_id is None:
        return InboundStatus.REFUSED, "only enterprise users file tickets by mail", None
    return _file(parsed, user)
