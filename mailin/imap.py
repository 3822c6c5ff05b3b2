"""The IMAP intake: unseen messages of one folder, at most MAILIN_IMAP_BATCH a run, each handed
to receive() and then flagged \\Seen (a message that fails stays unseen and is tried again)."""

from __future__ import annotations

import logging

from django.conf import settings
from imapclient import IMAPClient

from .models import Intake
from .services import receive

logger = logging.getLogger(__name__)


def poll() -> int:
    """Receive the unseen messages; the number received. Nothing while MAILIN_IMAP_HOST is empty."""
    if not settings.MAILIN_IMAP_HOST:
        return 0
    done = 0
    with IMAPClient(
        settings.MAILIN_IMAP_HOST, port=settings.MAILIN_IMAP_PORT, ssl=settings.MAILIN_IMAP_SSL, timeout=30
    ) as client:
        client.login(settings.MAILIN_IMAP_USER, settings.MAILIN_IMAP_PASSWORD)
        client.select_folder(settings.MAILIN_IMAP_FOLDER)
        uids = sorted(client.search(["UNSEEN"]))[: settings.MAILIN_IMAP_BATCH]
        for uid in uids:
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})  # PEEK: not \Seen until received
            raw = fetched.get(b"BODY[]")
            if not isinstance(raw, bytes):
                continue
            try:
                receive(raw, intake=Intake.IMAP)
            except Exception:
                logger.exception("mailin: IMAP message %s could not be received", uid)
                continue
            client.add_flags([uid], [b"\\Seen"])
            done += 1
    return done
