"""The work queue as a query: whose tickets (an officer's own, or everything in a manager's
scope), which tab (open, waiting, overdue, resolved, all), the search words, the filters and
the sort. Every filter and sort key has an index (tickets.models); the page reads one query
for its rows, one for its count and one for the running deadlines, whatever its length."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, F, Max, OrderBy, Q, QuerySet
from django.utils.translation import gettext as _

from servicedesk import clock
from servicedesk.errors import Invalid
from servicedesk.models import User
from servicedesk.selectors import is_admin

from . import search, selectors
from .models import NEXT_DUE, OPEN_STATUSES, SavedQueueFilter, Status, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")

TABS = ("open", "waiting", "overdue", "resolved", "all")
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)

# public sort key → what the rows are ordered by (all indexed: see Ticket.Meta.indexes)
SORTS: dict[str, Any] = {
    "number": F("number"),
    "title": F("title"),
    "status": F("status"),
    "priority": F("priority_rank"),
    "enterprise": F("enterprise__name"),
    "assignee": F("assignee__username"),
    "due": NEXT_DUE,
    "created": F("created_at"),
}
# the order a column takes on its first click: the most urgent / the newest on top
FIRST_DESCENDING = {"priority", "created"}
SAVED_MAX = 20


@dataclass(frozen=True)
class QueueQuery:
    tab: str = "open"
    q: str = ""
    status: str = ""
    priority: str = ""
    park: int | None = None
    department: int | None = None
    service_item: str = ""  # a catalogue code (a report's count links to its tickets)
    owner: int | None = None  # the first-ask officer (an officer's row of a report)
    filed_from: date | None = None  # local dates, `filed_to` exclusive (a report's period)
    filed_to: date | None = None
    sort: str = ""  # a key of SORTS, "-" in front for descending; "" for the tab's default

    @property
    def filtered(self) -> bool:
        """A filter besides the tab and the search words is chosen."""
        chosen = (self.status, self.priority, self.park, self.department, self.service_item, self.owner)
        return any(chosen) or self.filed_from is not None or self.filed_to is not None


def owns_queue(user: User) -> bool:
    """An officer's queue is their own tickets (assignee or first-ask owner); a manager's (and
    an admin's) is everything in scope."""
    return user.role == User.Role.OFFICER and not is_admin(user)


def default_sort(query: QueueQuery) -> str:
    if query.tab in ("open", "waiting", "overdue"):
        return "due"
    return "-created"


def _ordered(qs: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    expression = SORTS.get(key, SORTS["due"])
    first = OrderBy(expression, descending=descending, nulls_last=True)
    return qs.order_by(first, F("id").desc() if descending else F("id").asc())


def _selected(user: User, query: QueueQuery) -> QuerySet[Ticket]:
    """The tickets of `user`'s queue that `query`'s tab and filters select, unordered."""
    qs = selectors.officer_own_tickets(user) if owns_queue(user) else selectors.ticket_list_for(user)
    if query.tab == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif query.tab == "waiting":
        qs = qs.filter(status=Status.WAITING)
    elif query.tab == "overdue":
        qs = qs.filter(overdue=True, status__in=OPEN_STATUSES)
    elif query.tab == "resolved":
        qs = qs.filter(status__in=DONE_STATUSES)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.priority:
        qs = qs.filter(priority=query.priority)
    if query.park:
        qs = qs.filter(park_id=query.park)
    if query.department:
        qs = qs.filter(department_id=query.department)
    if query.service_item:
        qs = qs.filter(service_item__code=query.service_item)
    if query.owner:
        qs = qs.filter(owner_id=query.owner)
    if query.filed_from:
        qs = qs.filter(created_at__gte=datetime.combine(query.filed_from, time(0), tzinfo=SHANGHAI))
    if query.filed_to:
        qs = qs.filter(created_at__lt=datetime.combine(query.filed_to, time(0), tzinfo=SHANGHAI))
    return qs


def queue_for(user: User, query: QueueQuery) -> QuerySet[Ticket]:
    """The tickets of `user`'s queue that `query` asks for, in its order (search rank when
    searching without a chosen sort)."""
    qs = _selected(user, query).defer("search_document")
    text = query.q.strip()
    if text:
        # best match first unless a column is chosen; walked from the newest in a wide scope
        # under its tab alone (the tabs' tickets are the recent ones, or most of them), not
        # under a filter that may keep only old or few tickets (see TicketFilter)
        wide = selectors.wide_scope(user) and not query.filtered
        qs = search.ticket_search(qs, text, wide=wide, within=selectors.search_within(user))
        if not query.sort:
            return qs
    return _ordered(qs, query.sort or default_sort(query))


def queue_changed_since(
    user: User, query: QueueQuery, *, since: datetime, shown: Sequence[int] = ()
) -> datetime | None:
    """When a ticket of `user`'s queue page changed after `since`: the latest `updated_at`
    among the tickets that `query` selects (search words aside: a changed ticket that does
    not match them only costs a refresh) and the tickets `shown` on the page (one that left
    the queue, closed or handed to someone else); None when nothing changed.

    One query, walking `ticket_updated_idx` over the recently changed tickets only, whatever
    the size of the scope (the live queue's check, every few seconds per open page)."""
    return queue_changes(user, query, since=since, shown=shown).aggregate(latest=Max("updated_at"))["latest"]


def queue_changes(user: User, query: QueueQuery, *, since: datetime, shown: Sequence[int] = ()) -> QuerySet[Ticket]:
    """The tickets `queue_changed_since` looks at (for its plan: bench/live_queue.py)."""
    selected = _selected(user, query).select_related(None)
    if shown:
        selected = selected | Ticket.objects.filter(pk__in=list(shown))
    return selected.filter(updated_at__gt=since)


def tab_counts(user: User) -> dict[str, int]:
    """How many of an officer's own tickets each working tab holds (one grouped query over
    their own tickets; a manager's scope may hold a million, and gets no counts)."""
    if not owns_queue(user):
        return {}
    return (
        selectors.officer_own_tickets(user)
        .select_related(None)
        .aggregate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            waiting=Count("pk", filter=Q(status=Status.WAITING)),
            overdue=Count("pk", filter=Q(overdue=True, status__in=OPEN_STATUSES)),
        )
    )


# --- saved filters -----------------------------------------------------------------------


def saved_filters(user: User) -> QuerySet[SavedQueueFilter]:
    return SavedQueueFilter.objects.filter(user=user).order_by("name", "id")


def saved_filter_save(*, user: User, name: str, query: str) -> SavedQueueFilter:
    """Keep `query` (the queue's query string, already cleaned by the caller) under `name`;
    a name the user already has is replaced."""
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Name the view."), detail={"name": [_("This field is required.")]})
    if len(name) > 60:
        raise Invalid(_("The name is too long (60 characters at most)."), detail={"name": [_("Too long.")]})
    if len(query) > 500:
        raise Invalid(_("This view is too long to keep."), detail={"query": [_("Too long.")]})
    with transaction.atomic():
        existing = SavedQueueFilter.objects.select_for_update().filter(user=user, name=name).first()
        if existing is not None:
            existing.query = query
            existing.save(update_fields=["query"])
            return existing
        if SavedQueueFilter.objects.filter(user=user).count() >= SAVED_MAX:
            raise Invalid(
                _("You keep %(n)d views already: delete one first.") % {"n": SAVED_MAX},
                detail={"name": [_("Too many.")]},
            )
        return SavedQueueFilter.objects.create(user=user, name=name, query=query, created_at=clock.now())


def saved_filter_delete(*, user: User, saved_id: int) -> None:
    """Another user's saved view is not found, like one that does not exist."""
    SavedQueueFilter.objects.filter(user=user, pk=saved_id).delete()
