"""Beat's entry for the sheets on schedule (hourly from the morning: idempotent)."""

from __future__ import annotations

from celery import shared_task

from .services import send_due


@shared_task(acks_late=True)
def sheets_send_due() -> dict[str, int]:
    run = send_due()
    return {"due": run.due, "sent": run.sent, "failed": run.failed, "skipped": run.skipped}
