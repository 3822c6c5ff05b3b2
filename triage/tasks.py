"""Celery tasks of triage: thin wrappers around its services, safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def routing_retrain() -> int | None:
    """Beat runs this every night: a new version of the routing model from the zone's
    history (none when the history is too little). Returns the new version."""
    from .routing import routing_train

    model = routing_train()
    return model.version if model is not None else None
