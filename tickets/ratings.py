"""After the resolution: the default rating, the bad-review loop and praise.

- `rating_auto_close`: a resolved ticket nobody rated within `auto_close_days` closes with
  the default rating 基本满意 (3), marked `is_default` (not the enterprise's word).
- `rating_review`: a bad rating (1–2, 差评) waits for a manager's check. "valid" reopens the
  ticket as a rectification (整改) with a new resolution deadline of `rectification_limit`
  (a new deadline version, so the escalation ladder runs on it) and makes a return visit
  (回访) due; "dismissed" keeps its reason and the ticket stays closed.
- `return_visit_record`: the return visit's method, result and whether the enterprise is
  satisfied now; `return_visit_rate` is the report figure (target 100 %).
- `ticket_praise`: a letter of thanks (感谢信) or a silk banner (锦旗).

Each service locks the ticket, checks, writes the change and its TicketEvent in one
transaction (as tickets.services does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from servicedesk import clock
from servicedesk.errors import Conflict, Forbidden, Invalid
from servicedesk.models import User

from . import selectors
from .events import record_event
from .models import (
    BAD_SCORE_MAX,
    DEFAULT_SCORE,
    DeadlineKind,
    EventKind,
    Praise,
    PraiseKind,
    Rating,
    ReturnVisit,
    ReturnVisitMethod,
    ReviewVerdict,
    SlaPolicy,
    Status,
    Ticket,
)
from .services import _iso, _lock, _save, _text, back_to_work
from .sla import deadlines, escalation
from .state import Rel

RECTIFICATION_CLOCK = "working"

# --- the default rating after `auto_close_days` -------------------------------------------

DEFAULT_AUTO_CLOSE_BATCH = 100
DEFAULT_AUTO_CLOSE_LIMIT = 5000


def _auto_close_due(cutoff: datetime, skipped: set[int]) -> QuerySet[Ticket]:
    qs = Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).order_by("resolved_at", "id")
    if skipped:
        qs = qs.exclude(pk__in=skipped)
    return qs.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",))


def rating_auto_close(
    *, now: datetime | None = None, batch: int = DEFAULT_AUTO_CLOSE_BATCH, limit: int = DEFAULT_AUTO_CLOSE_LIMIT
) -> int:
    """Close the resolved tickets whose `resolved_at` is `auto_close_days` (natural days) or
    more behind, with the default rating 3, `batch` tickets per transaction; returns how
    many closed. Tickets locked by a user right now are skipped (SKIP LOCKED) and left for
    the next run; running twice closes nothing twice (the status is re-read under the lock
    and the rating is unique per resolution round)."""
    now = now or clock.now()
    cutoff = now - timedelta(days=SlaPolicy.current().auto_close_days)
    closed = 0
    skipped: set[int] = set()
    while closed < limit:
        with transaction.atomic():
            tickets = list(_auto_close_due(cutoff, skipped)[: min(batch, limit - closed)])
            if not tickets:
                break
            for ticket in tickets:
                try:
                    with transaction.atomic():  # a savepoint: one odd ticket never stops the batch
                        _close_with_default(ticket, now)
                except IntegrityError:  # a rating for this round exists already
                    skipped.add(ticket.pk)
                    continue
                closed += 1
    return closed


def _close_with_default(ticket: Ticket, now: datetime) -> None:
    Rating.objects.create(
        ticket=ticket,
        score=DEFAULT_SCORE,
        is_default=True,
        rated_by=None,
        resolution_round=ticket.reopen_count,
        created_at=now,
    )
    ticket.status = Status.CLOSED
    ticket.rating = DEFAULT_SCORE
    ticket.closed_at = now
    _save(ticket, "status", "rating", "closed_at")
    record_event(ticket, None, EventKind.CLOSED, body="逾期未评价，默认基本满意", default=True, score=DEFAULT_SCORE)


# --- the bad-review check (差评核查) -------------------------------------------------------


def _is_supervisor(actor: User, ticket: Ticket) -> bool:
    return bool(selectors.relations_of(actor, ticket) & {Rel.MANAGER, Rel.ADMIN})


def unchecked_bad_rating(ticket: Ticket) -> Rating | None:
    """The ticket's latest bad rating that no manager has checked yet."""
    return (
        Rating.objects.select_for_update()
        .filter(ticket=ticket, score__lte=BAD_SCORE_MAX, review_verdict="")
        .order_by("-resolution_round", "-id")
        .first()
    )


@transaction.atomic
def rating_review(
    *,
    ticket_id: int,
    actor: User,
    verdict: str,
    reason: str = "",
    is_reasonable: bool | None = None,
    is_true: bool | None = None,
    is_malicious: bool | None = None,
) -> Rating:
    """A manager in scope (or an admin) checks a bad rating. "valid": the ticket reopens as
    a rectification with a new resolution deadline and a return visit becomes due;
    "dismissed" (a reason is required): the ticket stays closed."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    if not _is_supervisor(actor, ticket):
        raise Forbidden(_("Only managers check bad ratings."))
    if verdict not in ReviewVerdict.values:
        raise Invalid(_("The verdict is valid or dismissed."), detail={"verdict": [_("valid or dismissed.")]})
    rating = unchecked_bad_rating(ticket)
    if rating is None:
        raise Conflict(_("The ticket has no bad rating waiting for a check."))
    reason = (reason or "").strip()
    if verdict == ReviewVerdict.DISMISSED:
        reason = _text(reason, "reason", limit=5000)
    elif ticket.status != Status.CLOSED:
        raise Conflict(_("The ticket is no longer closed: it cannot be reopened for rectification."))
    now = clock.now()
    rating.review_verdict = verdict
    rating.review_reason = reason[:5000]
    rating.reviewed_by = actor
    rating.reviewed_at = now
    rating.is_reasonable, rating.is_true, rating.is_malicious = is_reasonable, is_true, is_malicious
    fields = ["review_verdict", "review_reason", "reviewed_by", "reviewed_at", "is_reasonable", "is_true"]
    fields.append("is_malicious")
    due: datetime | None = None
    if verdict == ReviewVerdict.VALID:
        due = _rectify(ticket, now)
        rating.return_visit_due_at = due
        fields.append("return_visit_due_at")
    rating.save(update_fields=fields)
    record_event(
        ticket,
        actor,
        EventKind.RATING_REVIEWED,
        body=rating.review_reason,
        public=False,
        rating=rating.pk,
        score=rating.score,
        verdict=verdict,
        reasonable=is_reasonable,
        true=is_true,
        malicious=is_malicious,
        resolve_due_at=_iso(due),
    )
    if verdict == ReviewVerdict.VALID:
        record_event(
            ticket,
            actor,
            EventKind.REOPENED,
            body="差评核查属实，整改",
            rectification=True,
            rating=rating.pk,
            resolve_due_at=_iso(due),
        )
    else:
        _save(ticket)
    return rating


def _rectify(ticket: Ticket, now: datetime) -> datetime:
    """整改: back to work with a new resolution deadline of `rectification_limit`, as a new
    deadline version (its own escalation ladder)."""
    wt = deadlines.working_time()
    due = deadlines.limit_due(
        start=now, limit=SlaPolicy.current().rectification_limit, clock=RECTIFICATION_CLOCK, wt=wt
    )
    back_to_work(ticket, status=Status.IN_PROGRESS, due=due, rectification=True)
    escalation.deadline_start(
        ticket=ticket,
        kind=DeadlineKind.RESOLVE,
        due_at=due,
        started_at=now,
        clock=RECTIFICATION_CLOCK,
        now=now,
        wt=wt,
    )
    return due


# --- the return visit (回访) ---------------------------------------------------------------


@transaction.atomic
def return_visit_record(*, ticket_id: int, actor: User, method: str, result: str, satisfied: bool) -> ReturnVisit:
    """The assignee or the owner (首问) of the ticket, or a manager in scope, records the
    return visit due after a bad rating was found valid (one per such rating)."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    relations = selectors.relations_of(actor, ticket)
    if not relations & {Rel.ASSIGNEE, Rel.OWNER, Rel.MANAGER, Rel.ADMIN}:
        raise Forbidden(_("Only the officer handling the ticket or a manager records a return visit."))
    if method not in ReturnVisitMethod.values:
        raise Invalid(
            _("Unknown method."),
            # Translators: the values the API accepts, e.g. "on_site, phone, online"
            detail={"method": [_("One of %(values)s.") % {"values": ", ".join(ReturnVisitMethod.values)}]},
        )
    rating = (
        Rating.objects.select_for_update()
        .filter(ticket=ticket, review_verdict=ReviewVerdict.VALID)
        .filter(~Exists(ReturnVisit.objects.filter(rating=OuterRef("pk"))))
        .order_by("-id")
        .first()
    )
    if rating is None:
        raise Conflict(_("No return visit is due on this ticket."))
    visit = ReturnVisit.objects.create(
        ticket=ticket,
        rating=rating,
        method=method,
        result=_text(result, "result", limit=5000),
        satisfied=bool(satisfied),
        visited_by=actor,
        visited_at=clock.now(),
    )
    _save(ticket)
    record_event(
        ticket,
        actor,
        EventKind.RETURN_VISIT,
        body=visit.result,
        return_visit=visit.pk,
        rating=rating.pk,
        method=method,
        satisfied=visit.satisfied,
        late=bool(rating.return_visit_due_at and visit.visited_at > rating.return_visit_due_at),
    )
    return visit


@dataclass(frozen=True)
class ReturnVisitRate:
    valid_bad_reviews: int
    with_return_visit: int

    @property
    def rate(self) -> float | None:
        """with_return_visit / valid_bad_reviews; None when there was no valid bad review."""
        if not self.valid_bad_reviews:
            return None
        return self.with_return_visit / self.valid_bad_reviews


def return_visit_rate(
    tickets: QuerySet[Ticket], *, since: datetime | None = None, until: datetime | None = None
) -> ReturnVisitRate:
    """回访率 on bad reviews: of the bad ratings found valid (checked in [since, until)) on
    `tickets` (a scoped queryset, e.g. `ticket_list_for(manager)` or one officer's tickets),
    how many have their return visit. Two counts in one query."""
    from django.db.models import Count, Q

    qs = Rating.objects.filter(ticket__in=tickets.values("pk"), review_verdict=ReviewVerdict.VALID)
    if since is not None:
        qs = qs.filter(reviewed_at__gte=since)
    if until is not None:
        qs = qs.filter(reviewed_at__lt=until)
    counts = qs.aggregate(valid=Count("pk"), visited=Count("pk", filter=Q(return_visit__isnull=False)))
    return ReturnVisitRate(valid_bad_reviews=counts["valid"] or 0, with_return_visit=counts["visited"] or 0)


# --- praise (感谢信 / 锦旗) -----------------------------------------------------------------


@transaction.atomic
def ticket_praise(*, ticket_id: int, actor: User, kind: str, note: str = "") -> Praise:
    """The enterprise, or a manager in scope on its word, records a letter of thanks or a
    banner for a resolved or closed ticket, once per kind; it counts for the ticket's owner
    (首问), else its assignee. Officers do not praise themselves: praise is counted in the
    rankings, so it must come from the one served or from above."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    if not selectors.relations_of(actor, ticket) & {Rel.ENTERPRISE, Rel.MANAGER, Rel.ADMIN}:
        raise Forbidden(_("Praise comes from the enterprise or a manager."))
    officer_id = ticket.owner_id or ticket.assignee_id
    if officer_id == actor.pk:
        raise Forbidden(_("Nobody records praise for their own work."))
    if kind not in PraiseKind.values:
        raise Invalid(_("Praise is a letter or a banner."), detail={"kind": [_("letter or banner.")]})
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict(
            _("Praise is recorded once the ticket is resolved."),
            detail={"status": ticket.status, "action": "praise"},
        )
    if Praise.objects.filter(ticket=ticket, kind=kind).exists():
        raise Conflict(_("This ticket's praise of that kind is already recorded."), detail={"kind": kind})
    praise = Praise.objects.create(
        ticket=ticket,
        enterprise_id=ticket.enterprise_id,
        officer_id=officer_id,
        kind=kind,
        note=(note or "").strip()[:5000],
        recorded_by=actor,
        created_at=clock.now(),
    )
    record_event(ticket, actor, EventKind.PRAISED, body=praise.note, public=False, praise=praise.pk, praise_kind=kind)
    return praise
