"""The SMTP intake: an aiosmtpd handler for parks whose MTA routes the desk's mail here.
It accepts recipients at the desk's domain only, and messages up to MAILIN_MAX_BYTES; each
message is handed to receive() in a worker thread (Django's ORM is not for the event loop)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections

from .models import Intake
from .services import receive

logger = logging.getLogger(__name__)


def desk_domain() -> str:
    return settings.MAILIN_ADDRESS.rpartition("@")[2].lower()


def _receive_in_thread(raw: bytes, envelope_sender: str, recipients: list[str]) -> str:
    close_old_connections()
    try:
        record = receive(raw, intake=Intake.SMTP, envelope_sender=envelope_sender, recipients=recipients)
        return str(record.status)
    finally:
        connections.close_all()  # this worker thread's own; mail is rare, a connection per message is cheap


class DeskHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        domain = desk_domain()
        if not domain or address.rpartition("@")[2].lower() != domain:
            return "550 5.1.1 not a desk address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if len(raw) > settings.MAILIN_MAX_BYTES:
            return "552 5.3.4 message too big"
        try:
            status = await asyncio.to_thread(
                _receive_in_thread, raw, (envelope.mail_from or "").strip("<>"), list(envelope.rcpt_tos)
            )
        except Exception:
            logger.exception("mailin: a message over SMTP could not be received")
            return "451 4.3.0 try again later"
        return f"250 OK {status}"


def controller(host: str, port: int) -> Controller:
    """A controller (not started) serving the desk handler on host:port."""
    # the name it greets with: the desk's domain (not socket.getfqdn(), which can wait on DNS)
    kwargs: dict[str, Any] = {"data_size_limit": settings.MAILIN_MAX_BYTES, "decode_data": False}
    kwargs["server_hostname"] = desk_domain() or "localhost"
    return Controller(DeskHandler(), hostname=host, port=port, **kwargs)
