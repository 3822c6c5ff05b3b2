"""Reads of tickets, scoped to the caller at the source."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, Q, QuerySet, Subquery

import textsearch
from servicedesk.models import Enterprise, User
from servicedesk.selectors import is_admin, is_zone_manager

from .models import AssistRequest, Attachment, Ticket, TicketEvent
from .state import Rel


class _In(Expression):
    """`column IN (subquery)` for a subquery that does not depend on the row; on PostgreSQL
    `column = ANY(ARRAY(subquery))`: the subquery runs once (an InitPlan) and its ids are an
    index condition, so an OR of such arms is a BitmapOr of the tickets' own indexes that
    the planner can AND with another bitmap (the search's GIN) instead of testing every
    candidate row against a join and a correlated subquery."""

    conditional = True

    def __init__(self, column: str, subquery: QuerySet[Any]) -> None:
        super().__init__(output_field=BooleanField())
        self.column: Any = F(column)
        self.subquery: Any = Subquery(subquery)

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.column, self.subquery = exprs

    def as_sql(self, compiler: Any, connection: Any, array: bool = False) -> tuple[str, tuple[Any, ...]]:
        column, column_params = compiler.compile(self.column)
        subquery, subquery_params = compiler.compile(self.subquery)
        sql = f"{column} = ANY(ARRAY{subquery})" if array else f"{column} IN {subquery}"
        return sql, (*column_params, *subquery_params)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return self.as_sql(compiler, connection, array=True)


def _assisting(department_id: int) -> Q:
    """Tickets that `department_id` is asked to help with (协办)."""
    return Q(_In("pk", AssistRequest.objects.filter(department_id=department_id).values("ticket_id")))


def _scope_q(user: User) -> Q | None:
    """The filter that limits tickets to what `user` may see; None means everything."""
    if is_admin(user) or is_zone_manager(user):
        return None
    if user.role == User.Role.MANAGER and user.park_id:
        return Q(park_id=user.park_id)
    if user.role == User.Role.MANAGER and user.department_id:
        # a department head also sees what their department is asked to help with (协办)
        return (
            Q(department_id=user.department_id)
            | Q(_In("assignee_id", User.objects.filter(department_id=user.department_id).values("pk")))
            | _assisting(user.department_id)
        )
    if user.role == User.Role.OFFICER:
        # the enterprises they look after (包联) as a list of ids, not a join: see _In
        looked_after = Q(chief_officer=user) | Q(deputy_officer=user)
        mine = (
            Q(assignee=user)
            | Q(owner=user)
            | Q(_In("enterprise_id", Enterprise.objects.filter(looked_after).values("pk")))
        )
        return mine | _assisting(user.department_id) if user.department_id else mine
    if user.role == User.Role.ENTERPRISE and user.enterprise_id:
        return Q(enterprise_id=user.enterprise_id)
    return Q(pk__in=[])


SCOPE_TAGS = {"a": "assignee_id", "o": "owner_id", "e": "enterprise_id", "d": "department_id"}
"""The columns whose values a ticket's stored vector holds as tags (textsearch.tag, migration
0016), so that a narrow scope's search finds the words and the scope in one index scan."""


def search_within(user: User) -> textsearch.Within | None:
    """`_scope_q(user)` as the tags of the tickets' stored vectors (SCOPE_TAGS), for a search
    in a narrow scope (tickets.search.ticket_search); None for a wide one (the zone, a park),
    which is walked from the newest instead. Every arm of the scope is a tag but the assist
    requests', which are tickets' ids (`beside`). Reads the enterprises an officer looks
    after (one query) and a department's people."""
    tag = textsearch.tag
    if wide_scope(user):
        return None
    if user.role == User.Role.MANAGER and user.department_id:
        people = User.objects.filter(department_id=user.department_id).values_list("pk", flat=True)
        tags = (tag("d", user.department_id), *(tag("a", pk) for pk in people))
        return textsearch.Within(tags, _assisting(user.department_id))
    if user.role == User.Role.OFFICER:
        looked_after = Enterprise.objects.filter(Q(chief_officer=user) | Q(deputy_officer=user)).values_list("pk")
        tags = (tag("a", user.pk), tag("o", user.pk), *(tag("e", pk) for (pk,) in looked_after))
        return textsearch.Within(tags, _assisting(user.department_id) if user.department_id else None)
    if user.role == User.Role.ENTERPRISE and user.enterprise_id:
        return textsearch.Within((tag("e", user.enterprise_id),))
    return None


def wide_scope(user: User) -> bool:
    """True when `user` sees a large share of the tickets: the zone (admins, the zone's
    managers) or a park (a fifth of the zone's). A search in such a scope looks for its
    newest matches from the newest tickets down (tickets.search.ticket_search)."""
    # the first arms of _scope_q, read from the user alone (no scope built for a yes or no)
    return is_admin(user) or is_zone_manager(user) or (user.role == User.Role.MANAGER and bool(user.park_id))


def _tickets() -> QuerySet[Ticket]:
    """Tickets with what the web pages show of them: enterprise, service item, park,
    department and the two officers."""
    return Ticket.objects.select_related("enterprise", "service_item", "park", "department", "assignee", "owner")


def ticket_list_for(user: User) -> QuerySet[Ticket]:
    scope = _scope_q(user)
    return _tickets() if scope is None else _tickets().filter(scope)


def officer_own_tickets(user: User) -> QuerySet[Ticket]:
    """The tickets an officer carries or owns (首问): the first two arms of their scope, so
    `ticket_list_for` adds nothing to them and its OR, join and subquery are left out."""
    return _tickets().filter(Q(assignee=user) | Q(owner=user))


def ticket_api_list_for(user: User, *, assigned_to_self: bool = False) -> QuerySet[Ticket]:
    """`ticket_list_for` with only the joins the API's ticket representation reads (the
    enterprise's and the service item's names; the people, park and department are ids).

    `assigned_to_self`: the caller asks only for the tickets assigned to them (the officer's
    queue, `?assignee=me`). An officer's scope is an OR whose first arm is exactly that, so
    the scope adds nothing to it: the query is the assignee's alone, without the OR, its
    join and its subquery (which cost more to build and to plan than the page itself)."""
    if assigned_to_self and user.role == User.Role.OFFICER and not is_admin(user):
        return Ticket.objects.filter(assignee_id=user.pk).select_related("enterprise", "service_item")
    return ticket_list_for(user).select_related(None).select_related("enterprise", "service_item")


def sees_ticket_in_memory(user: User, ticket: Ticket) -> bool:
    """True when `_scope_q(user)` certainly matches `ticket`, judged from the ticket's own
    columns (no query); False means "ask the database", not "hidden"."""
    if _scope_q(user) is None:
        return True
    if user.role == User.Role.ENTERPRISE and user.enterprise_id:
        return ticket.enterprise_id == user.enterprise_id
    if user.role == User.Role.MANAGER and user.park_id:
        return ticket.park_id == user.park_id
    if user.role == User.Role.OFFICER:
        return user.pk in (ticket.assignee_id, ticket.owner_id)
    return False


def ticket_visible_to(user: User, ticket_id: int) -> bool:
    scope = _scope_q(user)
    qs = Ticket.objects.filter(pk=ticket_id)
    return (qs if scope is None else qs.filter(scope)).exists()


def relations_of(user: User, ticket: Ticket) -> frozenset[Rel]:
    """How `user` stands to a ticket they can see (see tickets.state)."""
    return relations_for(
        user,
        enterprise_id=ticket.enterprise_id,
        assignee_id=ticket.assignee_id,
        owner_id=ticket.owner_id,
        park_id=ticket.park_id,
        department_id=ticket.department_id,
    )


def manages(user: User, *, park_id: int | None, department_id: int | None) -> bool:
    """True when `user` is a manager over the ticket's own park or handling department.

    Seeing a ticket is not managing it: a department head also sees the tickets their
    department is asked to assist with (协办), and on those they read and answer like any
    officer of that department, but approve, transfer and resolve nothing."""
    if user.role != User.Role.MANAGER:
        return False
    if is_zone_manager(user):
        return True
    if user.park_id:
        return park_id == user.park_id
    return bool(user.department_id) and department_id == user.department_id


def relations_for(
    user: User,
    *,
    enterprise_id: int | None,
    assignee_id: int | None,
    owner_id: int | None,
    park_id: int | None,
    department_id: int | None,
) -> frozenset[Rel]:
    """`relations_of` from the ticket's columns alone (a list's rows carry no instances)."""
    if is_admin(user):
        return frozenset({Rel.ADMIN})
    if user.role == User.Role.ENTERPRISE:
        return frozenset({Rel.ENTERPRISE}) if user.enterprise_id == enterprise_id else frozenset()
    if user.role == User.Role.MANAGER:
        # a head on a ticket outside their own park or department sees it only as an
        # assisting department's officer does
        return frozenset({Rel.MANAGER if manages(user, park_id=park_id, department_id=department_id) else Rel.OFFICER})
    rels = {Rel.OFFICER}
    if assignee_id == user.pk:
        rels.add(Rel.ASSIGNEE)
    if owner_id == user.pk:
        rels.add(Rel.OWNER)
    return frozenset(rels)


def is_enterprise_user(user: User) -> bool:
    return user.role == User.Role.ENTERPRISE and not is_admin(user)


def event_list_for(user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    """Oldest first; enterprise users see public events only."""
    qs = TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("id")
    return qs.filter(public=True) if is_enterprise_user(user) else qs


def attachment_list_for(user: User, ticket: Ticket) -> QuerySet[Attachment]:
    qs = Attachment.objects.filter(ticket=ticket).select_related("uploaded_by").order_by("id")
    return qs.filter(public=True) if is_enterprise_user(user) else qs
