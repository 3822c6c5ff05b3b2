"""Readable sentences for notifications, rendered when they are read, in the reader's current
language (the language toggle), from the row's kind and payload: never a raw code.

A sender registers a `Sentence` per kind it sends (tickets registers its events in
tickets.notify_texts); a kind nobody registered gets the generic sentence. A subject holds
only fixed words and the topic's number (no user text): it is also what an SMS says. The
body may name the title and the actor, and adds the excerpt of what was written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

#: The daily digest's kind (notifications.models re-exports it).
DIGEST_KIND = "digest"

Text = str | Promise


@dataclass(frozen=True)
class Sentence:
    """How a kind is said. `subject` and `body` are %-format strings over the payload (missing
    keys read as empty); `extras` add a sentence when the payload has their key (and, for a
    code such as a verdict, its value: "verdict=valid")."""

    subject: Text
    body: Text
    extras: Mapping[str, Text] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


_REGISTRY: dict[str, Sentence] = {}

GENERIC_TOPIC = Sentence(
    subject=_("Ticket %(number)s has an update"),
    body=_("There is news on ticket %(number)s. Open it to see what changed."),
)
GENERIC = Sentence(subject=_("You have a new notification"), body=_("Open the desk to see what changed."))

DIGEST = Sentence(
    subject=_("Your queue today: %(count)s open"),
    body=_("You have %(count)s open tickets, %(due_today)s of them due today."),
)

#: Words for the codes a payload carries (escalation level, deadline kind).
LEVELS: dict[str, Text] = {
    "warning": pgettext_lazy("a deadline", "is about to be missed"),
    "breach": pgettext_lazy("a deadline", "was missed"),
}
DEADLINES: dict[str, Text] = {
    "accept": pgettext_lazy("deadline kind", "acceptance"),
    "resolve": pgettext_lazy("deadline kind", "resolution"),
}
SCORES: dict[str, Text] = {
    "1": _("very dissatisfied"),
    "2": _("dissatisfied"),
    "3": _("basically satisfied"),
    "4": _("satisfied"),
    "5": _("very satisfied"),
}


def register(kind: str, sentence: Sentence) -> None:
    _REGISTRY[kind] = sentence


def registered() -> dict[str, Sentence]:
    return {DIGEST_KIND: DIGEST, **_REGISTRY}


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _values(payload: Mapping[str, Any]) -> _Values:
    values = _Values({k: "" if v is None else str(v) for k, v in payload.items() if not isinstance(v, dict | list)})
    if not values.get("actor"):
        values["actor"] = str(pgettext_lazy("who did it", "The system"))
    for key, words in (("level", LEVELS), ("deadline", DEADLINES), ("score", SCORES)):
        if values.get(key) in words:
            values[key] = str(words[values[key]])
    return values


def _sentence_for(kind: str, payload: Mapping[str, Any]) -> Sentence:
    sentence = registered().get(kind)
    if sentence is not None:
        return sentence
    return GENERIC_TOPIC if payload.get("number") else GENERIC


def _render(kind: str, payload: Mapping[str, Any]) -> Rendered:
    sentence = _sentence_for(kind, payload)
    values = _values(payload)
    subject = str(sentence.subject) % values
    parts = [str(sentence.body) % values]
    for key, extra in sentence.extras.items():
        name, _sep, wanted = key.partition("=")
        present = payload.get(name) not in (None, "")
        if present and (not wanted or str(payload.get(name)).lower() == wanted):
            parts.append(str(extra) % values)
    body = " ".join(parts)
    lines = payload.get("lines")
    if kind == DIGEST_KIND and isinstance(lines, list):
        body += "".join(
            "\n" + str(_("- %(number)s %(title)s (due %(due)s)")) % _values(line)
            for line in lines
            if isinstance(line, dict)
        )
    excerpt = values.get("excerpt", "").strip()
    if excerpt:
        body += "\n" + excerpt
    return Rendered(subject=subject[:200], body=body)


def render(kind: str, payload: Mapping[str, Any] | None, language: str | None = None) -> Rendered:
    """The subject and body of a notification of `kind`, in `language` (None: the language
    active now, i.e. the reader's)."""
    payload = payload or {}
    if language is None:
        return _render(kind, payload)
    with translation.override(language):
        return _render(kind, payload)


def sms_text(kind: str, payload: Mapping[str, Any] | None, language: str | None = None) -> str:
    """What an SMS says: the fixed subject (the kind of event and the ticket's number) and
    the desk's address (SERVICEDESK_BASE_URL); never user text: an SMS is not a channel an
    enterprise can write into."""
    url = settings.SERVICEDESK_BASE_URL.rstrip("/") + "/"
    with translation.override(language or translation.get_language()):
        subject = _render(kind, payload or {}).subject
        return (str(_("%(subject)s. Sign in at %(url)s to read it.")) % {"subject": subject, "url": url})[:300]
