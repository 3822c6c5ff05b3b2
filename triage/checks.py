"""System check: a routing model whose file is missing or corrupt is a warning (the desk
then suggests nothing), not a crash."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register


@register()
def routing_model_readable(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from .routing import routing_status

    status = routing_status()
    if status["status"] in ("ok", "no_model"):
        return []
    return [
        Warning(
            f"The routing model v{status['version']} cannot be used ({status['status']}): "
            "the filing forms suggest no service items.",
            hint="Run `python manage.py triage_train` to train a new version.",
            id="triage.W001",
        )
    ]
