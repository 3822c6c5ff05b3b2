"""A raw message (bytes) → what the desk reads of it: sender, subject, a text body,
attachments, threading and loop headers. The stdlib `email` package with `policy.default`
decodes RFC 2047 subjects and RFC 2231 file names; bodies in GB2312 are read as GBK (its
superset: mail clients label GBK text GB2312)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import cast

_CHARSET_ALIASES = {"gb2312": "gbk", "gb_2312-80": "gbk", "x-gbk": "gbk", "cp936": "gbk"}
_TAGS = re.compile(r"<[^>]*>")
_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    sender: str  # the From address, lower case ("" when none)
    subject: str
    body: str
    message_id: str  # with its angle brackets, as sent ("" when none)
    in_reply_to: list[str] = field(default_factory=list)  # In-Reply-To then References
    recipients: list[str] = field(default_factory=list)  # To, Cc, Delivered-To, X-Original-To
    attachments: list[Attachment] = field(default_factory=list)
    auto_submitted: str = ""
    precedence: str = ""
    loop: bool = False  # X-Loop / X-Autoreply / X-Auto-Response-Suppress: All ...
    bounce: bool = False


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError):  # a header the policy cannot parse
        value = message.get_all(name, [""])[0] if message.get_all(name) else ""
    return str(value or "").strip()


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "utf-8").lower()
    charset = _CHARSET_ALIASES.get(charset, charset)
    try:
        return payload.decode(charset, errors="replace").replace("\r\n", "\n")
    except LookupError:  # an unknown charset
        return payload.decode("utf-8", errors="replace").replace("\r\n", "\n")


def html_to_text(markup: str) -> str:
    text = _BREAKS.sub("\n", _DROP.sub("", markup))
    text = html.unescape(_TAGS.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


def parse(raw: bytes, *, envelope_sender: str | None = None) -> Parsed:
    message = cast(EmailMessage, message_from_bytes(raw, policy=policy.default))  # so with policy.default
    sender = parseaddr(_header(message, "From"))[1].lower()
    plain: str | None = None
    markup: str | None = None
    attachments: list[Attachment] = []
    content_type = message.get_content_type()
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        name = part.get_filename()
        # an attachment: said so, or a named part that is not an inline text
        if disposition == "attachment" or (name and (disposition != "inline" or part.get_content_maintype() != "text")):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                attachments.append(
                    Attachment(name=str(name or "file"), content_type=part.get_content_type(), data=data)
                )
            continue
        if part.get_content_type() == "text/plain" and plain is None:
            plain = _text(part)
        elif part.get_content_type() == "text/html" and markup is None:
            markup = _text(part)
    body = plain if plain is not None and plain.strip() else html_to_text(markup or "")
    recipients = [
        address.lower()
        for _name, address in getaddresses(
            [_header(message, name) for name in ("To", "Cc", "Delivered-To", "X-Original-To") if _header(message, name)]
        )
        if address
    ]
    auto_submitted = _header(message, "Auto-Submitted").lower()
    precedence = _header(message, "Precedence").lower()
    local = sender.partition("@")[0]
    bounce = (
        envelope_sender == ""
        or content_type == "multipart/report"
        or local in ("mailer-daemon", "postmaster")
        or bool(_header(message, "X-Failed-Recipients"))
    )
    loop = (
        bool(_header(message, "X-Loop"))
        or bool(_header(message, "X-Autoreply"))
        or bool(_header(message, "X-Autorespond"))
    )
    return Parsed(
        sender=sender,
        subject=" ".join(_header(message, "Subject").split()),
        body=body.strip(),
        message_id=(_ids(_header(message, "Message-ID")) or [""])[0],
        in_reply_to=_ids(_header(message, "In-Reply-To")) + _ids(_header(message, "References")),
        recipients=recipients,
        attachments=attachments,
        auto_submitted=auto_submitted,
        precedence=precedence,
        loop=loop,
        bounce=bounce,
    )
