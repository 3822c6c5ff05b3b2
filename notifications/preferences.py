"""A user's own notification settings: quiet hours, the daily digest and, per event kind, an
explicit choice for e-mail and SMS (where there is none, the defaults of
:func:`notifications.services.channels_for` apply). Read and written by the API and the
profile page alike."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from django.db import transaction

from servicedesk.models import User

from .models import NotificationChannel, NotificationPreference, NotificationSettings

#: The channels a user chooses per kind (the inbox is always on).
CHOOSABLE = (NotificationChannel.EMAIL, NotificationChannel.SMS)


def settings_of(user: User) -> NotificationSettings:
    """The user's settings row, or an unsaved one holding the defaults."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def choices_of(user: User) -> dict[tuple[str, str], bool]:
    """The user's explicit choices, by (event kind, channel)."""
    return {
        (p.event_kind, p.channel): p.enabled
        for p in NotificationPreference.objects.filter(user=user).order_by("event_kind", "channel")
    }


def preferences_of(user: User) -> dict[str, Any]:
    """The API's form of a user's settings."""
    prefs = settings_of(user)
    return {
        "quiet_start": prefs.quiet_start.strftime("%H:%M"),
        "quiet_end": prefs.quiet_end.strftime("%H:%M"),
        "daily_digest": prefs.daily_digest,
        "preferences": [
            {"event_kind": kind, "channel": channel, "enabled": enabled}
            for (kind, channel), enabled in choices_of(user).items()
        ],
    }


@transaction.atomic
def save_preferences(
    user: User,
    *,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    daily_digest: bool | None = None,
    choices: Iterable[Mapping[str, Any]] = (),
    cleared: Iterable[tuple[str, str]] = (),
) -> None:
    """Write what is given (None leaves a setting as it is): the settings row, each choice
    ({"event_kind", "channel", "enabled"}), and drop the choices in `cleared` (back to the
    default). One transaction."""
    prefs, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    for field, value in (("quiet_start", quiet_start), ("quiet_end", quiet_end), ("daily_digest", daily_digest)):
        if value is not None:
            setattr(prefs, field, value)
    prefs.save()
    for item in choices:
        NotificationPreference.objects.update_or_create(
            user=user, event_kind=item["event_kind"], channel=item["channel"], defaults={"enabled": item["enabled"]}
        )
    for kind, channel in cleared:
        NotificationPreference.objects.filter(user=user, event_kind=kind, channel=channel).delete()
