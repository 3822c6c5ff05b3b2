"""The profile page's forms: language, notification settings (per-kind choices built from the
event kinds the user can be told about)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notifications.models import NotificationChannel
from servicedesk.models import User
from tickets.models import EventKind
from tickets.notify import ENTERPRISE_KINDS

DEFAULT, ON, OFF = "default", "on", "off"
CHOICE = [(DEFAULT, _("As standard")), (ON, _("On")), (OFF, _("Off"))]
CHANNELS = [(NotificationChannel.EMAIL, _("E-mail")), (NotificationChannel.SMS, _("SMS"))]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


def kinds_for(user: User) -> list[tuple[str, Any]]:
    """The event kinds the user can be told about, with their labels (an enterprise hears of
    the public ones only)."""
    if user.effective_role == User.Role.ENTERPRISE:
        return [(k.value, k.label) for k in EventKind if k in ENTERPRISE_KINDS]
    return [(k.value, k.label) for k in EventKind if k != EventKind.ATTACHMENT_ADDED]


class NotificationForm(forms.Form):
    quiet_start = forms.TimeField(label=_("Quiet hours from"), widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_end = forms.TimeField(label=_("until"), widget=forms.TimeInput(attrs={"type": "time"}))
    daily_digest = forms.BooleanField(label=_("A daily digest by e-mail"), required=False)

    def __init__(self, *args: Any, user: User, choices: dict[tuple[str, str], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[dict[str, Any]] = []
        for kind, label in kinds_for(user):
            cells = []
            for channel, _channel_label in CHANNELS:
                name = f"{kind}__{channel}"
                current = choices.get((kind, channel))
                self.fields[name] = forms.ChoiceField(
                    label=f"{label} · {_channel_label}",
                    choices=CHOICE,
                    required=False,  # not sent: as standard
                    initial=DEFAULT if current is None else ON if current else OFF,
                )
                cells.append(name)
            self.rows.append({"label": label, "cells": [self[name] for name in cells]})

    def choices(self) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """(choices to write, choices to drop back to the default) from the cleaned data."""
        write: list[dict[str, Any]] = []
        drop: list[tuple[str, str]] = []
        for name, value in self.cleaned_data.items():
            if "__" not in name:
                continue
            kind, channel = name.split("__", 1)
            if value in (DEFAULT, ""):
                drop.append((kind, channel))
            else:
                write.append({"event_kind": kind, "channel": channel, "enabled": value == ON})
        return write, drop
