"""The ticket lifecycle as a table: which relation to the ticket may take which action,
and from which status to which. No database here; services call `require()`.

A relation is how the actor stands to this ticket: the enterprise's own user, the current
assignee, the owner (首问), another officer who may see it, a manager in scope, an admin.
An action the actor's relations can never take is 403; an action they may take, but not
from the current status, is 409."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from servicedesk.errors import Conflict, Forbidden

from .models import Status


class Rel(enum.StrEnum):
    ENTERPRISE = "enterprise"
    ASSIGNEE = "assignee"
    OWNER = "owner"
    OFFICER = "officer"
    MANAGER = "manager"
    ADMIN = "admin"


class Action(enum.StrEnum):
    ACCEPT = "accept"
    RETURN = "return"
    REPLY = "reply"
    NOTE = "note"
    TRANSFER = "transfer"
    ASSIST = "assist"
    SUSPEND = "suspend"
    RESUME = "resume"
    RESOLVE = "resolve"
    WITHDRAW = "withdraw"
    RATE = "rate"
    REOPEN = "reopen"
    EXTEND = "extend"
    DECIDE_EXTENSION = "decide_extension"
    ATTACH = "attach"


#: How the refusals name an action: a verb, as in "You may not … this ticket."
ACTION_VERBS = {
    Action.ACCEPT: pgettext_lazy("ticket action", "accept"),
    Action.RETURN: pgettext_lazy("ticket action", "return"),
    Action.REPLY: pgettext_lazy("ticket action", "reply"),
    Action.NOTE: pgettext_lazy("ticket action", "note"),
    Action.TRANSFER: pgettext_lazy("ticket action", "transfer"),
    Action.ASSIST: pgettext_lazy("ticket action", "assist"),
    Action.SUSPEND: pgettext_lazy("ticket action", "suspend"),
    Action.RESUME: pgettext_lazy("ticket action", "resume"),
    Action.RESOLVE: pgettext_lazy("ticket action", "resolve"),
    Action.WITHDRAW: pgettext_lazy("ticket action", "withdraw"),
    Action.RATE: pgettext_lazy("ticket action", "rate"),
    Action.REOPEN: pgettext_lazy("ticket action", "reopen"),
    Action.EXTEND: pgettext_lazy("ticket action", "extend"),
    Action.DECIDE_EXTENSION: pgettext_lazy("ticket action", "decide extension"),
    Action.ATTACH: pgettext_lazy("ticket action", "attach"),
}


@dataclass(frozen=True)
class Rule:
    relations: frozenset[Rel]
    moves: dict[Status, Status]


S = Status
OPEN = (S.SUBMITTED, S.IN_PROGRESS, S.WAITING)
WORKING = (S.IN_PROGRESS, S.WAITING)
STAFF = frozenset({Rel.ASSIGNEE, Rel.OWNER, Rel.OFFICER, Rel.MANAGER, Rel.ADMIN})
HANDLER = frozenset({Rel.ASSIGNEE, Rel.MANAGER, Rel.ADMIN})
SUPERVISOR = frozenset({Rel.MANAGER, Rel.ADMIN})
#: Who closes a ticket as a duplicate (tickets.merge): who carries it (assignee, owner) or
#: manages it; any officer in scope may only link it, or merge another ticket into it.
MERGER = frozenset({Rel.ASSIGNEE, Rel.OWNER, Rel.MANAGER, Rel.ADMIN})


def _same(*statuses: Status) -> dict[Status, Status]:
    return {s: s for s in statuses}


TABLE: dict[Action, Rule] = {
    Action.ACCEPT: Rule(HANDLER, {S.SUBMITTED: S.IN_PROGRESS}),
    Action.RETURN: Rule(frozenset({Rel.ASSIGNEE}), _same(S.SUBMITTED)),
    Action.REPLY: Rule(STAFF | {Rel.ENTERPRISE}, _same(*OPEN, S.RESOLVED)),
    Action.NOTE: Rule(STAFF, _same(*OPEN, S.RESOLVED, S.CLOSED, S.WITHDRAWN)),
    Action.TRANSFER: Rule(HANDLER | {Rel.OWNER}, _same(*OPEN)),
    Action.ASSIST: Rule(HANDLER, _same(*WORKING)),
    Action.SUSPEND: Rule(HANDLER, {S.IN_PROGRESS: S.WAITING}),
    Action.RESUME: Rule(HANDLER | {Rel.ENTERPRISE}, {S.WAITING: S.IN_PROGRESS}),
    Action.RESOLVE: Rule(HANDLER, {S.IN_PROGRESS: S.RESOLVED}),
    Action.WITHDRAW: Rule(frozenset({Rel.ENTERPRISE, Rel.ADMIN}), {S.SUBMITTED: S.WITHDRAWN}),
    Action.RATE: Rule(frozenset({Rel.ENTERPRISE}), {S.RESOLVED: S.CLOSED}),
    Action.REOPEN: Rule(frozenset({Rel.ENTERPRISE}) | SUPERVISOR, {S.RESOLVED: S.IN_PROGRESS, S.CLOSED: S.IN_PROGRESS}),
    Action.EXTEND: Rule(frozenset({Rel.ASSIGNEE}), _same(*WORKING)),
    Action.DECIDE_EXTENSION: Rule(SUPERVISOR, _same(*OPEN)),
    Action.ATTACH: Rule(STAFF | {Rel.ENTERPRISE}, _same(*OPEN, S.RESOLVED)),
}


def require(status: str, action: Action, relations: frozenset[Rel] | set[Rel]) -> Status:
    """The status after `action`, or Forbidden (403) / Conflict (409) with nothing changed."""
    rule = TABLE[action]
    if not rule.relations & set(relations):
        # Translators: %(action)s is a verb such as "accept" or "transfer" (ticket action)
        raise Forbidden(_("You may not %(action)s this ticket.") % {"action": ACTION_VERBS[action]})
    try:
        return rule.moves[Status(status)]
    except KeyError:
        raise Conflict(
            # Translators: %(action)s is a verb (ticket action), %(status)s a status such as "in progress"
            _("'%(action)s' is not possible while the ticket is %(status)s.")
            % {"action": ACTION_VERBS[action], "status": Status(status).label},
            detail={"status": status, "action": action.value},
        ) from None


class Extra(enum.StrEnum):
    """Actions outside the table (they hang on facts beyond the status: a bad rating waiting
    for its check, a return visit due). The web offers them next to the table's actions."""

    REVIEW_RATING = "review-rating"
    RETURN_VISIT = "return-visit"
    PRAISE = "praise"
    SUPERVISE = "supervise"
    LINK = "link"
    MERGE = "merge"


@dataclass(frozen=True)
class Facts:
    """What the UI knows about a ticket beyond its status (see tickets.ratings)."""

    bad_rating_unchecked: bool = False
    return_visit_due: bool = False
    supervision: bool = True
    # the page offers linking and merging (tickets.merge); a merged duplicate offers neither
    linking: bool = False


def _extras(status: Status, relations: set[Rel], facts: Facts) -> list[str]:
    extras = []
    if facts.bad_rating_unchecked and relations & SUPERVISOR:
        extras.append(Extra.REVIEW_RATING.value)
    if facts.return_visit_due and relations & {Rel.ASSIGNEE, Rel.OWNER, Rel.MANAGER, Rel.ADMIN}:
        extras.append(Extra.RETURN_VISIT.value)
    if status in (S.RESOLVED, S.CLOSED) and relations & {Rel.ENTERPRISE, Rel.MANAGER, Rel.ADMIN}:
        extras.append(Extra.PRAISE.value)
    if facts.supervision and status in OPEN and relations & SUPERVISOR:
        extras.append(Extra.SUPERVISE.value)
    if facts.linking and relations & STAFF:
        extras.append(Extra.LINK.value)
        if status in OPEN and relations & MERGER:
            extras.append(Extra.MERGE.value)
    return extras


def allowed_actions(status: str, relations: frozenset[Rel] | set[Rel], *, facts: Facts | None = None) -> list[str]:
    """The actions this actor can take now (for the UI's buttons). With `facts`, the
    actions outside the table that those facts allow come after the table's."""
    relations = set(relations)
    actions = [
        action.value for action, rule in TABLE.items() if rule.relations & relations and Status(status) in rule.moves
    ]
    return actions if facts is None else actions + _extras(Status(status), relations, facts)
