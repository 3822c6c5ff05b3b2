"""What the policy notifications say (registered with the outbox's sentences)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from notifications.sentences import Sentence, register

MATCHED = "policy_matched"
REMINDER = "policy_reminder"

register(
    MATCHED,
    Sentence(
        _("A support policy you qualify for"),
        _(
            "%(enterprise)s meets the conditions of “%(title)s” (%(issuer)s): %(benefit)s. "
            "Open the policy to apply; the chief officer can apply on your behalf."
        ),
    ),
)
register(
    REMINDER,
    Sentence(
        _("A support policy ends soon"),
        _("“%(title)s” ends on %(ends)s and %(enterprise)s qualifies but has not applied yet."),
    ),
)
