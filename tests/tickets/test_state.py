"""The lifecycle table (tickets.state) without a database: for every action, status and
relation set, `require` gives the new status, Forbidden or Conflict, and `allowed_actions`
agrees with it. The expectations below are written from DESIGN.md, not read from the table."""

from __future__ import annotations

import itertools

import pytest

from servicedesk.errors import Conflict, Forbidden
from tickets.models import Status as S
from tickets.state import TABLE, Action, Rel, allowed_actions, require

STAFF = {Rel.ASSIGNEE, Rel.OWNER, Rel.OFFICER, Rel.MANAGER, Rel.ADMIN}
HANDLER = {Rel.ASSIGNEE, Rel.MANAGER, Rel.ADMIN}
SUPERVISOR = {Rel.MANAGER, Rel.ADMIN}
OPEN = (S.SUBMITTED, S.IN_PROGRESS, S.WAITING)
WORKING = (S.IN_PROGRESS, S.WAITING)


def same(*statuses: S) -> dict[S, S]:
    return {s: s for s in statuses}


# action → (relations that may ever take it, {from status: to status})
SPEC: dict[Action, tuple[set[Rel], dict[S, S]]] = {
    Action.ACCEPT: (HANDLER, {S.SUBMITTED: S.IN_PROGRESS}),
    Action.RETURN: ({Rel.ASSIGNEE}, same(S.SUBMITTED)),
    Action.REPLY: (STAFF | {Rel.ENTERPRISE}, same(*OPEN, S.RESOLVED)),
    Action.NOTE: (STAFF, same(*S)),
    Action.TRANSFER: (HANDLER | {Rel.OWNER}, same(*OPEN)),
    Action.ASSIST: (HANDLER, same(*WORKING)),
    Action.SUSPEND: (HANDLER, {S.IN_PROGRESS: S.WAITING}),
    Action.RESUME: (HANDLER | {Rel.ENTERPRISE}, {S.WAITING: S.IN_PROGRESS}),
    Action.RESOLVE: (HANDLER, {S.IN_PROGRESS: S.RESOLVED}),
    Action.WITHDRAW: ({Rel.ENTERPRISE, Rel.ADMIN}, {S.SUBMITTED: S.WITHDRAWN}),
    Action.RATE: ({Rel.ENTERPRISE}, {S.RESOLVED: S.CLOSED}),
    Action.REOPEN: (SUPERVISOR | {Rel.ENTERPRISE}, {S.RESOLVED: S.IN_PROGRESS, S.CLOSED: S.IN_PROGRESS}),
    Action.EXTEND: ({Rel.ASSIGNEE}, same(*WORKING)),
    Action.DECIDE_EXTENSION: (SUPERVISOR, same(*OPEN)),
    Action.ATTACH: (STAFF | {Rel.ENTERPRISE}, same(*OPEN, S.RESOLVED)),
}

# The relation sets an actor can really have (an officer always has OFFICER besides
# ASSIGNEE / OWNER), plus the empty set of a user with no relation at all.
RELATION_SETS: list[frozenset[Rel]] = [
    frozenset(),
    frozenset({Rel.ENTERPRISE}),
    frozenset({Rel.OFFICER}),
    frozenset({Rel.OFFICER, Rel.ASSIGNEE}),
    frozenset({Rel.OFFICER, Rel.OWNER}),
    frozenset({Rel.OFFICER, Rel.ASSIGNEE, Rel.OWNER}),
    frozenset({Rel.MANAGER}),
    frozenset({Rel.ADMIN}),
]


def _ids(rels: frozenset[Rel]) -> str:
    return "+".join(sorted(rels)) or "none"


def test_the_spec_covers_every_action() -> None:
    assert set(SPEC) == set(Action) == set(TABLE)


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("rels", RELATION_SETS, ids=_ids)
@pytest.mark.parametrize("action", list(Action))
def test_require(action: Action, rels: frozenset[Rel], status: S) -> None:
    may, moves = SPEC[action]
    if not rels & may:
        with pytest.raises(Forbidden):
            require(status, action, rels)
    elif status not in moves:
        with pytest.raises(Conflict) as caught:
            require(status, action, rels)
        assert caught.value.detail == {"status": status.value, "action": action.value}
    else:
        assert require(status, action, rels) == moves[status]


@pytest.mark.parametrize(("status", "rels"), list(itertools.product(list(S), RELATION_SETS)))
def test_allowed_actions_agree_with_require(status: S, rels: frozenset[Rel]) -> None:
    expected = []
    for action in Action:
        try:
            require(status, action, rels)
        except (Forbidden, Conflict):
            continue
        expected.append(action.value)
    assert allowed_actions(status, rels) == expected


def test_forbidden_wins_over_conflict() -> None:
    """A relation that may never act hears 403 whatever the status (it learns nothing about it)."""
    with pytest.raises(Forbidden):
        require(S.CLOSED, Action.ACCEPT, {Rel.ENTERPRISE})


def test_require_takes_plain_strings_and_sets() -> None:
    assert require("submitted", Action.ACCEPT, {Rel.ASSIGNEE, Rel.OFFICER}) == S.IN_PROGRESS


def test_nobody_may_do_anything_to_a_withdrawn_ticket_but_note() -> None:
    everyone = frozenset(Rel)
    assert allowed_actions(S.WITHDRAWN, everyone) == [Action.NOTE.value]


# --- the actions outside the table, for the UI (tickets.state.Facts) ---------------------


def test_without_facts_only_the_table_speaks() -> None:
    from tickets.state import Extra

    actions = allowed_actions(S.CLOSED, frozenset(Rel))
    assert not set(actions) & {extra.value for extra in Extra}


@pytest.mark.parametrize(
    ("status", "rels", "facts", "expected"),
    [
        (S.CLOSED, {Rel.MANAGER}, {"bad_rating_unchecked": True}, ["review-rating", "praise"]),
        (S.CLOSED, {Rel.ADMIN}, {"bad_rating_unchecked": True}, ["review-rating", "praise"]),
        (S.CLOSED, {Rel.ASSIGNEE, Rel.OFFICER}, {"bad_rating_unchecked": True}, []),
        (S.CLOSED, {Rel.ENTERPRISE}, {"bad_rating_unchecked": True}, ["praise"]),
        (S.IN_PROGRESS, {Rel.ENTERPRISE}, {}, []),
        (S.IN_PROGRESS, {Rel.OWNER, Rel.OFFICER}, {"return_visit_due": True}, ["return-visit"]),
        (S.IN_PROGRESS, {Rel.OFFICER}, {"return_visit_due": True}, []),
        (S.IN_PROGRESS, {Rel.MANAGER}, {}, ["supervise"]),
        (S.IN_PROGRESS, {Rel.MANAGER}, {"supervision": False}, []),
        (S.RESOLVED, {Rel.MANAGER}, {}, ["praise"]),
        (S.WITHDRAWN, set(Rel), {"bad_rating_unchecked": True}, ["review-rating"]),
        (S.IN_PROGRESS, {Rel.OFFICER}, {"supervision": False, "linking": True}, ["link"]),
        (S.IN_PROGRESS, {Rel.ASSIGNEE, Rel.OFFICER}, {"supervision": False, "linking": True}, ["link", "merge"]),
        (S.CLOSED, {Rel.MANAGER}, {"linking": True}, ["praise", "link"]),
        (S.SUBMITTED, {Rel.ENTERPRISE}, {"linking": True}, []),
    ],
)
def test_facts_add_the_actions_outside_the_table(status, rels, facts, expected) -> None:
    from tickets.state import Facts

    table = allowed_actions(status, rels)
    assert allowed_actions(status, rels, facts=Facts(**facts)) == table + expected
