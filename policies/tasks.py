"""The policies' Celery tasks: thin, idempotent, ids only."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=8)
def policy_match(policy_id: int) -> int:
    """Match one published policy (a second run matches and tells nobody again)."""
    return services.policy_match(policy_id=policy_id)


@shared_task(acks_late=True, autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=8)
def policies_sweep() -> dict[str, int]:
    """Daily: match the policies in effect (newly effective ones, changed attributes) and remind
    the officers of qualifying enterprises that have not applied before a policy ends."""
    return {"matched": services.policies_match_effective(), "reminded": services.policies_remind()}
