"""What each ticket event says in a notification, registered with the outbox's sentences
(notifications.sentences) and translated through gettext: rendered when read, in the reader's
language. Payload keys (tickets.notify.payload_of): number, title, actor, excerpt, level,
deadline, score, verdict, due, side, other, resolved. A subject names only the number and fixed
words (it is the SMS)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from notifications.sentences import Sentence, register

from .models import EventKind

SENTENCES: dict[str, Sentence] = {
    EventKind.CREATED: Sentence(
        _("New ticket %(number)s"),
        _("%(actor)s filed ticket %(number)s “%(title)s”."),
    ),
    EventKind.ACCEPTED: Sentence(
        _("Ticket %(number)s accepted"),
        _("%(actor)s accepted ticket %(number)s “%(title)s” and is handling it."),
    ),
    EventKind.RETURNED: Sentence(
        _("Ticket %(number)s returned for re-dispatch"),
        _("%(actor)s returned ticket %(number)s “%(title)s” for re-dispatch."),
    ),
    EventKind.REPLIED: Sentence(
        _("New reply on ticket %(number)s"),
        _("%(actor)s replied on ticket %(number)s “%(title)s”:"),
    ),
    EventKind.NOTED: Sentence(
        _("Internal note on ticket %(number)s"),
        _("%(actor)s added an internal note on ticket %(number)s “%(title)s”:"),
    ),
    EventKind.TRANSFERRED: Sentence(
        _("Ticket %(number)s transferred"),
        _("Ticket %(number)s “%(title)s” was transferred by %(actor)s."),
    ),
    EventKind.ASSIST_REQUESTED: Sentence(
        _("Assistance requested on ticket %(number)s"),
        _("%(actor)s asks your department to assist (协办) with ticket %(number)s “%(title)s”."),
    ),
    EventKind.ASSIST_ANSWERED: Sentence(
        _("Assistance answered on ticket %(number)s"),
        _("%(actor)s answered the request for assistance on ticket %(number)s “%(title)s”."),
    ),
    EventKind.SUSPENDED: Sentence(
        _("Ticket %(number)s waits for the enterprise"),
        _("Ticket %(number)s “%(title)s” is on hold until the enterprise sends what is missing."),
    ),
    EventKind.RESUMED: Sentence(
        _("Ticket %(number)s resumed"),
        _("Ticket %(number)s “%(title)s” is being handled again."),
    ),
    EventKind.RESOLVED: Sentence(
        _("Ticket %(number)s resolved"),
        _("Ticket %(number)s “%(title)s” was resolved. Please rate the service."),
    ),
    EventKind.WITHDRAWN: Sentence(
        _("Ticket %(number)s withdrawn"),
        _("The enterprise withdrew ticket %(number)s “%(title)s”."),
    ),
    EventKind.RATED: Sentence(
        _("Ticket %(number)s was rated"),
        _("Ticket %(number)s “%(title)s” was rated."),
        {"score": _("The rating: %(score)s.")},
    ),
    EventKind.CLOSED: Sentence(
        _("Ticket %(number)s closed"),
        _("Ticket %(number)s “%(title)s” is closed."),
    ),
    EventKind.REOPENED: Sentence(
        _("Ticket %(number)s reopened"),
        _("Ticket %(number)s “%(title)s” was reopened."),
        {"due": _("It is due by %(due)s.")},
    ),
    EventKind.EXTENSION_REQUESTED: Sentence(
        _("Extension requested on ticket %(number)s"),
        _("%(actor)s asks for more time on ticket %(number)s “%(title)s”."),
    ),
    EventKind.EXTENSION_APPROVED: Sentence(
        _("Extension approved for ticket %(number)s"),
        _("The deadline of ticket %(number)s “%(title)s” was extended."),
        {"due": _("The new deadline is %(due)s.")},
    ),
    EventKind.EXTENSION_REJECTED: Sentence(
        _("Extension refused for ticket %(number)s"),
        _("The request for more time on ticket %(number)s “%(title)s” was refused."),
    ),
    EventKind.ATTACHMENT_ADDED: Sentence(
        _("New attachment on ticket %(number)s"),
        _("%(actor)s added an attachment to ticket %(number)s “%(title)s”."),
    ),
    EventKind.ESCALATED: Sentence(
        _("[Alert] Ticket %(number)s: the %(deadline)s deadline %(level)s"),
        _("The %(deadline)s deadline of ticket %(number)s “%(title)s” %(level)s. Please act now."),
    ),
    EventKind.SUPERVISED: Sentence(
        _("[Supervision] Ticket %(number)s"),
        _("Ticket %(number)s “%(title)s” is under a supervision order (督办): handle it now and answer in writing."),
    ),
    EventKind.RATING_REVIEWED: Sentence(
        _("Bad review of ticket %(number)s checked"),
        _("%(actor)s checked the bad review of ticket %(number)s “%(title)s”."),
        {
            "verdict=valid": _("It was found valid: the ticket is reopened for rectification."),
            "verdict=dismissed": _("It was dismissed."),
        },
    ),
    EventKind.RETURN_VISIT: Sentence(
        _("Return visit on ticket %(number)s"),
        _("%(actor)s made a return visit (回访) about ticket %(number)s “%(title)s”."),
    ),
    EventKind.PRAISED: Sentence(
        _("Praise for ticket %(number)s"),
        _("The handling of ticket %(number)s “%(title)s” was praised."),
    ),
    EventKind.LINKED: Sentence(
        _("Ticket %(number)s linked"),
        _("%(actor)s linked ticket %(number)s “%(title)s” to the related ticket %(other)s."),
    ),
    # on the duplicate (side=duplicate, told to its enterprise: no word of the primary) and
    # on the primary (side=primary, internal: other is the duplicate's number)
    EventKind.MERGED: Sentence(
        _("Ticket %(number)s merged"),
        _("Ticket %(number)s “%(title)s” was merged with a ticket about the same matter."),
        {
            "side=duplicate": _(
                "It is closed here and handled together with the other ticket: "
                "you will be told of the replies given there."
            ),
            "side=primary": _("Ticket %(other)s was merged into it as a duplicate and closed."),
        },
    ),
    EventKind.MERGED_REPLY: Sentence(
        _("New reply on ticket %(number)s"),
        _(
            "Your ticket %(number)s “%(title)s” is handled together with a ticket about the same matter; "
            "there, %(actor)s wrote:"
        ),
        {"resolved": _("That ticket is resolved.")},
    ),
}


def register_all() -> None:
    for kind, sentence in SENTENCES.items():
        register(str(kind), sentence)


register_all()
