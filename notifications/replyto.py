"""Reply threading for notification mails (read by mailin): a notification about a ticket
carries a Reply-To `desk+t<ticket>.<user>.<hmac>@domain` and a Message-ID `<n<pk>.<hmac>@domain>`,
both signed with SECRET_KEY, so a reply can be put on its ticket and no other. The outbox
knows no tickets: this names the topic by its type and id, like Notification does."""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "notifications.replyto"
_TOKEN = re.compile(r"^t(\d{1,18})\.(\d{1,18})\.([0-9a-f]{20})$")
_MESSAGE_ID = re.compile(r"^<?n(\d{1,18})\.([0-9a-f]{20})@[^>]*>?$")


def _sign(value: str) -> str:
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:20]


def _split(address: str) -> tuple[str, str]:
    local, _at, domain = address.rpartition("@")
    return local, domain


def desk_domain() -> str:
    return _split(settings.MAILIN_ADDRESS or settings.DEFAULT_FROM_EMAIL)[1] or "localhost"


def reply_token(*, topic_id: int, user_id: int) -> str:
    value = f"t{topic_id}.{user_id}"
    return f"{value}.{_sign('ticket:' + value)}"


def token_read(token: str) -> tuple[int, int] | None:
    """(ticket id, user id) of a genuine token, else None."""
    match = _TOKEN.match(token.strip().lower())
    if match is None:
        return None
    value = f"t{match[1]}.{match[2]}"
    if not constant_time_compare(_sign("ticket:" + value), match[3]):
        return None
    return int(match[1]), int(match[2])


def reply_address(*, topic_type: str, topic_id: int | None, user_id: int | None) -> str | None:
    """The Reply-To of a notification mail about a ticket, or None (mail in is off)."""
    if not settings.MAILIN_ADDRESS or topic_type != "ticket" or topic_id is None or user_id is None:
        return None
    local, domain = _split(settings.MAILIN_ADDRESS)
    return f"{local}+{reply_token(topic_id=topic_id, user_id=user_id)}@{domain}"


def message_id(notification_id: int) -> str:
    value = f"n{notification_id}"
    return f"<{value}.{_sign('message:' + value)}@{desk_domain()}>"


def message_id_read(value: str) -> int | None:
    """The notification id of a Message-ID the desk sent, else None."""
    match = _MESSAGE_ID.match(value.strip().lower())
    if match is None or not constant_time_compare(_sign(f"message:n{match[1]}"), match[2]):
        return None
    return int(match[1])
