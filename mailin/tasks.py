from __future__ import annotations

from celery import shared_task

from . import imap


@shared_task(acks_late=True, ignore_result=True)
def mailin_imap_poll() -> int:
    """Beat: the IMAP mailbox's unseen messages (nothing while MAILIN_IMAP_HOST is empty)."""
    return imap.poll()
