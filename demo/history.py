"""Twelve weeks of believable history, made through the services with the clock moved back
(time-machine): tickets filed by enterprises and by officers on their behalf, accepted on
time or late, replies and notes, 挂起, 协办, extensions approved and refused, resolutions on
time and late, the escalation ladder and its 督办 orders (the real sweep, run as the days
pass), ratings good and bad, their checks, rectifications and 回访, praise, withdrawals and
visits. Every figure on the dashboard and in the reports comes from these events.

Deterministic: one seeded `random.Random` decides everything, and actions run in time order
(ties by the order they were planned). What would happen after the real "now" is left
undone, so the last days hold tickets in every open state."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Q

from knowledge import articles
from knowledge.models import Article, ArticleStatus
from notifications.models import Notification, NotificationChannel, NotificationStatus
from servicedesk import clock
from servicedesk.errors import Conflict, Forbidden, Invalid, NotFound
from servicedesk.models import Enterprise, ServiceItem, User
from tickets import merge, ratings, services
from tickets.models import OPEN_STATUSES, ExtensionRequest, ReviewVerdict, Status, SupervisionOrder, Ticket
from tickets.sla import escalation
from tickets.sla.worktime import WorkingTime
from visits.services import ProblemInput, visit_create

from . import texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKS = 12
TICKETS_PER_DAY = (3, 7)
ENQUIRY_ITEMS = {"policy-enquiry", "tax-enquiry", "eia-enquiry", "land-use"}
URGENT_ITEMS = {"power-repair", "water-repair"}
DomainError = (Conflict, Forbidden, Invalid, NotFound)


@dataclass
class HistoryOutcome:
    counts: dict[str, int] = field(default_factory=dict)
    skipped: int = 0

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n


class History:
    def __init__(self, rng: random.Random, *, end: datetime) -> None:
        self.rng = rng
        self.end = end
        self.queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self.seq = count()
        self.outcome = HistoryOutcome()
        self.wt = WorkingTime.default()
        self.users = {u.username: u for u in User.objects.all()}
        self.items = {i.code: i for i in ServiceItem.objects.filter(is_active=True).select_related("department")}
        self.enterprises = list(Enterprise.objects.select_related("chief_officer").order_by("pk"))
        self.company_users = list(
            User.objects.filter(role=User.Role.ENTERPRISE, enterprise__isnull=False)
            .select_related("enterprise")
            .order_by("pk")
        )
        self.park_managers = {
            u.park_id: u for u in User.objects.filter(role=User.Role.MANAGER, park__isnull=False).order_by("pk")
        }
        self.officers_by_dept: dict[int, list[User]] = {}
        for officer in User.objects.filter(role=User.Role.OFFICER, on_leave=False).order_by("pk"):
            if officer.department_id is not None:
                self.officers_by_dept.setdefault(officer.department_id, []).append(officer)
        self.supervision_seen: set[int] = set()
        self.guides = list(
            Article.objects.filter(status=ArticleStatus.PUBLISHED).order_by("pk").values_list("pk", flat=True)
        )

    # --- scheduling ---------------------------------------------------------------------

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        if when < self.end:
            heapq.heappush(self.queue, (when, next(self.seq), action))

    def later(self, start: datetime, minutes: float) -> datetime:
        """`minutes` of working time after `start`."""
        return self.wt.add(start, max(1, int(minutes)))

    def _try(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            with transaction.atomic():
                result = call()
        except DomainError:
            self.outcome.skipped += 1
            return None
        self.outcome.add(what)
        return result

    def run(self, traveller: Any) -> HistoryOutcome:
        start_day = self.end.astimezone(SHANGHAI).date() - timedelta(weeks=WEEKS)
        start_day -= timedelta(days=start_day.weekday())
        day = start_day
        while day <= self.end.astimezone(SHANGHAI).date():
            self._plan_day(day)
            day += timedelta(days=1)
        while self.queue:
            when, _seq, action = heapq.heappop(self.queue)
            traveller.move_to(when)
            action()
        traveller.move_to(self.end)
        self._sweep(self.end)
        self._duplicates_and_links()
        return self.outcome

    # --- duplicates and related tickets (tickets.merge) ----------------------------------

    def _duplicates_and_links(self) -> None:
        """One merged pair and one linked pair, among the open tickets of a park: another
        enterprise of the park files the same problem again and the park's manager merges it
        into the first (whose officer then replies: the duplicate's enterprise follows), and
        two other open tickets of the park are linked as related."""
        open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES, assignee__isnull=False).order_by("pk")
        for park_id, manager in sorted(self.park_managers.items(), key=lambda pair: pair[0] or 0):
            if park_id is None:
                continue
            in_park = list(open_tickets.filter(park_id=park_id).select_related("service_item", "assignee")[:3])
            company = next(
                (
                    u
                    for u in self.company_users
                    if in_park and u.enterprise and u.enterprise.park_id == park_id
                    and u.enterprise_id != in_park[0].enterprise_id
                ),
                None,
            )  # fmt: skip
            if len(in_park) == 3 and company is not None:
                self._merge_and_link(manager, company, *in_park)
                return

    def _merge_and_link(self, manager: User, company: User, primary: Ticket, first: Ticket, second: Ticket) -> None:
        duplicate = self._try(
            "tickets",
            lambda: services.ticket_create(
                actor=company,
                title=primary.title,
                description=primary.description,
                kind=primary.kind,
                service_item=primary.service_item,
            ),
        )
        if duplicate is None:
            return
        merged = self._try(
            "merged duplicates",
            lambda: merge.ticket_merge(
                ticket_id=duplicate.pk, into_id=primary.pk, actor=manager, reason="同一问题的重复诉求，合并办理。"
            ),
        )
        officer = primary.assignee
        if merged is not None and officer is not None:
            reply = "已与同一事项的工单合并办理，正在安排现场处理。"
            self._try("replies", lambda: services.ticket_reply(ticket_id=primary.pk, actor=officer, body=reply))
        self._try("linked tickets", lambda: merge.ticket_link(ticket_id=first.pk, other_id=second.pk, actor=manager))

    def _local(self, day: date, hour: float) -> datetime:
        return datetime.combine(day, time(0, 0), tzinfo=SHANGHAI) + timedelta(hours=hour)

    def _plan_day(self, day: date) -> None:
        for hour in (9.1, 12.1, 15.1, 18.1):
            self.at(self._local(day, hour), lambda: self._sweep(clock.now()))
        if day.weekday() >= 5:
            if self.rng.random() < 0.5:  # an urgent repair comes at the weekend too
                self.at(self._local(day, self.rng.uniform(8, 20)), self._ticket_filed(weekend=True))
            return
        for _ in range(self.rng.randint(*TICKETS_PER_DAY)):
            self.at(self._local(day, self.rng.uniform(8.5, 17.5)), self._ticket_filed())
        if self.guides and self.rng.random() < 0.6:  # a company reads a guide instead of filing
            self.at(self._local(day, self.rng.uniform(9, 17)), self._deflection())
        if day.weekday() in (1, 3):  # visits, twice a week (每周走访)
            for officer in self._chiefs():
                if self.rng.random() < 0.5:
                    self.at(self._local(day, self.rng.uniform(9, 16.5)), self._visit(officer))

    def _deflection(self) -> Callable[[], None]:
        """An enterprise user opens a guide while filing and says it solved the problem: no
        ticket, a deflection counted against the guide's service item."""
        rng = self.rng
        user, guide = rng.choice(self.company_users), rng.choice(self.guides)

        def act() -> None:
            self._try("deflections", lambda: articles.deflection_record(actor=user, article_id=guide))

        return act

    # --- the periodic jobs --------------------------------------------------------------

    def _sweep(self, now: datetime) -> None:
        fired = escalation.escalation_sweep(now=now)
        self.outcome.add("escalation steps", fired)
        closed = ratings.rating_auto_close(now=now)
        self.outcome.add("closed with the default rating", closed)
        orders = SupervisionOrder.objects.filter(answered_at__isnull=True).exclude(pk__in=self.supervision_seen)
        for order in orders.select_related("ticket").order_by("pk"):
            self.supervision_seen.add(order.pk)
            if self.rng.random() < 0.85:
                self.at(self.later(now, self.rng.uniform(60, 420)), self._answer_supervision(order.pk))

    def _answer_supervision(self, order_id: int) -> Callable[[], None]:
        answer = self.rng.choice(texts.SUPERVISION_ANSWERS)

        def act() -> None:
            order = SupervisionOrder.objects.select_related("ticket__assignee").get(pk=order_id)
            officer = order.ticket.assignee
            if officer is not None:
                answer_by: User = officer
                self._try(
                    "supervision answers",
                    lambda: escalation.supervision_answer(order_id=order_id, actor=answer_by, answer=answer),
                )

        return act

    # --- a ticket's life ----------------------------------------------------------------

    def _chiefs(self) -> list[User]:
        return sorted(
            {e.chief_officer for e in self.enterprises if e.chief_officer and not e.chief_officer.on_leave},
            key=lambda u: u.pk,
        )

    def _ticket_filed(self, *, weekend: bool = False) -> Callable[[], None]:
        rng = self.rng
        code = rng.choice(sorted(URGENT_ITEMS)) if weekend else rng.choice(sorted(self.items))
        title, description = rng.choice(texts.REQUESTS.get(code, [("业务咨询", "请协助办理相关业务。")]))
        by_company = rng.random() < 0.5
        company = rng.choice(self.company_users) if by_company else None
        enterprise = company.enterprise if company and company.enterprise else rng.choice(self.enterprises)
        kind = "complaint" if code == "complaint" else "enquiry" if code in ENQUIRY_ITEMS else "help"
        if kind == "help" and rng.random() < 0.04:
            kind = "suggestion"
        priority = "urgent" if code in URGENT_ITEMS else rng.choices(["high", "normal", "low"], [10, 85, 5])[0]
        fate = {
            "withdraw": company is not None and rng.random() < 0.04,
            "accept": rng.choices(["on_time", "late", "never"], [86, 10, 4])[0],
            "reply": rng.random() < 0.7,
            "company_reply": company is not None and rng.random() < 0.35,
            "note": rng.random() < 0.3,
            "suspend": rng.random() < 0.1,
            "assist": rng.random() < 0.12,
            "extension": rng.choices([None, "approve", "reject"], [86, 10, 4])[0],
            "resolve": rng.choices(["on_time", "late", "never"], [78, 18, 4])[0],
            "rating": rng.choices([5, 4, 3, 2, 1], [46, 30, 10, 8, 6])[0],
            "rates": company is not None and rng.random() < 0.85,
            "valid": rng.random() < 0.65,
            "praise": rng.random() < 0.08,
        }

        def act() -> None:
            actor = company or enterprise.chief_officer
            if actor is None or actor.on_leave:
                return
            ticket = self._try(
                "tickets",
                lambda: services.ticket_create(
                    actor=actor,
                    title=title,
                    description=description,
                    kind=kind,
                    service_item=self.items[code],
                    priority=priority,
                    enterprise=enterprise,
                ),
            )
            if ticket is not None:
                self._plan_ticket(ticket, company, fate)

        return act

    def _plan_ticket(self, ticket: Ticket, company: User | None, fate: dict[str, Any]) -> None:
        rng, now = self.rng, clock.now()
        if fate["withdraw"]:
            self.at(self.later(now, rng.uniform(10, 120)), self._withdraw(ticket.pk, company))
            return
        accept_due = ticket.accept_due_at or self.later(now, 240)
        if fate["accept"] == "never" and now < self.end - timedelta(days=10):
            fate["accept"] = "late"
        if fate["accept"] == "never":
            return
        if fate["accept"] == "on_time":
            span = max(5.0, (accept_due - now).total_seconds() / 60 * 0.8)
            accepted = now + timedelta(minutes=rng.uniform(5, span))
        else:
            accepted = accept_due + timedelta(minutes=rng.uniform(30, 900))
        self.at(accepted, self._accepted(ticket.pk, company, fate))

    def _assignee(self, ticket_id: int) -> Ticket:
        return Ticket.objects.select_related("assignee", "owner", "enterprise").get(pk=ticket_id)

    def _withdraw(self, ticket_id: int, company: User | None) -> Callable[[], None]:
        reason = self.rng.choice(texts.WITHDRAW_REASONS)

        def act() -> None:
            if company is not None:
                self._try(
                    "withdrawals", lambda: services.ticket_withdraw(ticket_id=ticket_id, actor=company, reason=reason)
                )

        return act

    def _accepted(self, ticket_id: int, company: User | None, fate: dict[str, Any]) -> Callable[[], None]:
        rng = self.rng
        reply, company_reply = rng.choice(texts.ACCEPT_REPLIES), rng.choice(texts.ENTERPRISE_REPLIES)
        note, resolution = rng.choice(texts.NOTES), rng.choice(texts.RESOLUTIONS)

        def act() -> None:
            ticket = self._assignee(ticket_id)
            officer = ticket.assignee
            if (
                officer is None
                or self._try("acceptances", lambda: services.ticket_accept(ticket_id=ticket_id, actor=officer)) is None
            ):
                return
            now = clock.now()
            if fate["reply"]:
                self.at(
                    self.later(now, rng.uniform(20, 240)),
                    self._call(
                        "replies", lambda: services.ticket_reply(ticket_id=ticket_id, actor=officer, body=reply)
                    ),
                )
            if fate["company_reply"] and company is not None:
                self.at(
                    self.later(now, rng.uniform(250, 900)),
                    self._call(
                        "replies", lambda: services.ticket_reply(ticket_id=ticket_id, actor=company, body=company_reply)
                    ),
                )
            if fate["note"]:
                self.at(
                    self.later(now, rng.uniform(30, 300)),
                    self._call("notes", lambda: services.ticket_note(ticket_id=ticket_id, actor=officer, body=note)),
                )
            if fate["assist"]:
                self._plan_assist(ticket, officer, now)
            resumed_at = now
            if fate["suspend"]:
                suspend_at = self.later(now, rng.uniform(60, 480))
                resumed_at = self.later(suspend_at, rng.uniform(480, 4800))
                reason = rng.choice(texts.SUSPEND_REASONS)
                self.at(
                    suspend_at,
                    self._call(
                        "suspensions",
                        lambda: services.ticket_suspend(ticket_id=ticket_id, actor=officer, reason=reason),
                    ),
                )
                self.at(
                    resumed_at,
                    self._call("resumptions", lambda: services.ticket_resume(ticket_id=ticket_id, actor=officer)),
                )
            due = ticket.resolve_due_at or self.later(now, 4800)
            if fate["extension"]:
                self._plan_extension(ticket, officer, now, due, fate["extension"])
                if fate["extension"] == "approve" and fate["resolve"] == "on_time":
                    due = self.later(due, 3 * 480)
            if fate["resolve"] == "never" and now < self.end - timedelta(days=20):
                fate["resolve"] = "late"
            if fate["resolve"] == "never":
                return
            if fate["resolve"] == "on_time":
                resolved = now + (due - now) * rng.uniform(0.25, 0.9)
            else:
                resolved = self.later(due, rng.uniform(60, 1800))
            self.at(max(resolved, self.later(resumed_at, 60)), self._resolved(ticket_id, company, fate, resolution))

        return act

    def _call(self, what: str, call: Callable[[], Any]) -> Callable[[], None]:
        def act() -> None:
            self._try(what, call)

        return act

    def _plan_assist(self, ticket: Ticket, officer: User, now: datetime) -> None:
        rng = self.rng
        choices = sorted(d for d in self.officers_by_dept if d != officer.department_id)
        if not choices:
            return
        department_id = rng.choice(choices)
        helper = rng.choice(self.officers_by_dept[department_id])
        request, answer = rng.choice(texts.ASSIST_REQUESTS), rng.choice(texts.ASSIST_ANSWERS)
        holder: dict[str, Any] = {}

        def ask() -> None:
            department = helper.department
            assert department is not None  # noqa: S101  officers_by_dept holds officers with a department
            holder["assist"] = self._try(
                "assist requests",
                lambda: services.ticket_assist(
                    ticket_id=ticket.pk, actor=officer, department=department, request=request
                ),
            )

        def reply() -> None:
            assist = holder.get("assist")
            if assist is not None:
                self._try(
                    "assist answers", lambda: services.assist_answer(assist_id=assist.pk, actor=helper, answer=answer)
                )

        asked = self.later(now, rng.uniform(30, 240))
        self.at(asked, ask)
        if rng.random() < 0.9:
            self.at(self.later(asked, rng.uniform(120, 960)), reply)

    def _plan_extension(self, ticket: Ticket, officer: User, now: datetime, due: datetime, decision: str) -> None:
        rng = self.rng
        asked = now + (due - now) * rng.uniform(0.4, 0.7)
        reason = rng.choice(texts.EXTENSION_REASONS)
        holder: dict[str, Any] = {}

        def ask() -> None:
            current = Ticket.objects.get(pk=ticket.pk)
            if current.resolve_due_at is None:
                return
            holder["request"] = self._try(
                "extension requests",
                lambda: services.extension_request(
                    ticket_id=ticket.pk,
                    actor=officer,
                    new_resolve_due_at=self.later(current.resolve_due_at, 3 * 480),  # type: ignore[arg-type]
                    reason=reason,
                ),
            )

        def decide() -> None:
            request: ExtensionRequest | None = holder.get("request")
            manager = self.park_managers.get(ticket.park_id) or self.users.get("zone")
            if request is None or manager is None:
                return
            if decision == "approve":
                self._try(
                    "extensions approved",
                    lambda: services.extension_approve(extension_id=request.pk, actor=manager, reason="同意延期。"),
                )
            else:
                self._try(
                    "extensions refused",
                    lambda: services.extension_reject(
                        extension_id=request.pk, actor=manager, reason="理由不充分，请按原时限办结。"
                    ),
                )

        self.at(asked, ask)
        self.at(self.later(asked, rng.uniform(30, 300)), decide)

    def _resolved(
        self, ticket_id: int, company: User | None, fate: dict[str, Any], resolution: str
    ) -> Callable[[], None]:
        rng = self.rng
        score = fate["rating"]
        comment = rng.choice(
            texts.GOOD_COMMENTS if score >= 4 else texts.FAIR_COMMENTS if score == 3 else texts.BAD_COMMENTS
        )

        def act() -> None:
            ticket = self._assignee(ticket_id)
            officer = ticket.assignee
            if (
                officer is None
                or self._try(
                    "resolutions",
                    lambda: services.ticket_resolve(ticket_id=ticket_id, actor=officer, resolution=resolution),
                )
                is None
            ):
                return
            if fate["rates"] and company is not None:
                rated = clock.now() + timedelta(hours=rng.uniform(1, 72))
                self.at(rated, self._rated(ticket_id, company, score, comment, fate))

        return act

    def _rated(
        self, ticket_id: int, company: User, score: int, comment: str, fate: dict[str, Any]
    ) -> Callable[[], None]:
        rng = self.rng

        def act() -> None:
            if (
                self._try(
                    "ratings",
                    lambda: services.ticket_rate(ticket_id=ticket_id, actor=company, score=score, comment=comment),
                )
                is None
            ):
                return
            now = clock.now()
            ticket = self._assignee(ticket_id)
            if score <= 2:
                self.at(self.later(now, rng.uniform(120, 2400)), self._reviewed(ticket, fate["valid"]))
            elif score == 5 and fate["praise"] and ticket.owner is not None:
                manager = self.park_managers.get(ticket.park_id) or self.users["zone"]  # on the enterprise's word
                note = rng.choice(texts.PRAISE_NOTES)
                kind = "banner" if "锦旗" in note else "letter"
                self.at(
                    self.later(now, rng.uniform(480, 2400)),
                    self._call(
                        "praise",
                        lambda: ratings.ticket_praise(ticket_id=ticket_id, actor=manager, kind=kind, note=note),
                    ),
                )

        return act

    def _reviewed(self, ticket: Ticket, valid: bool) -> Callable[[], None]:
        rng = self.rng
        method, result, satisfied = rng.choice(texts.RETURN_VISIT_RESULTS)

        def act() -> None:
            manager = self.park_managers.get(ticket.park_id) or self.users["zone"]
            verdict = ReviewVerdict.VALID if valid else ReviewVerdict.DISMISSED
            reason = texts.REVIEW_VALID if valid else texts.REVIEW_DISMISSED
            done = self._try(
                "bad reviews checked",
                lambda: ratings.rating_review(
                    ticket_id=ticket.pk,
                    actor=manager,
                    verdict=verdict,
                    reason=reason,
                    is_reasonable=valid,
                    is_true=valid,
                    is_malicious=False,
                ),
            )
            if done is None or not valid:
                return
            now = clock.now()
            fixed = self.later(now, rng.uniform(480, 1900))
            current = self._assignee(ticket.pk)
            officer = current.assignee or current.owner
            if officer is None:
                return
            self.at(
                fixed,
                self._call(
                    "rectifications",
                    lambda: services.ticket_resolve(
                        ticket_id=ticket.pk, actor=officer, resolution="整改完成：已与企业当面沟通并解决遗留问题。"
                    ),
                ),
            )
            visitor = current.owner or officer
            self.at(
                self.later(fixed, rng.uniform(240, 1400)),
                self._call(
                    "return visits",
                    lambda: ratings.return_visit_record(
                        ticket_id=ticket.pk, actor=visitor, method=method, result=result, satisfied=satisfied
                    ),
                ),
            )

        return act

    # --- visits -------------------------------------------------------------------------

    def _visit(self, officer: User) -> Callable[[], None]:
        rng = self.rng
        served = [e for e in self.enterprises if e.chief_officer_id == officer.pk]
        if not served:
            return lambda: None
        enterprise = rng.choice(served)
        summary = rng.choice(texts.VISIT_SUMMARIES)
        method = rng.choices(["on_site", "phone", "online"], [75, 20, 5])[0]
        people = rng.choice(texts.PEOPLE_MET)
        problem = rng.choice(texts.VISIT_PROBLEMS) if rng.random() < 0.15 else None

        def act() -> None:
            problems = None
            if problem is not None and problem[0] in self.items:
                code, text = problem
                problems = [
                    ProblemInput(description=text, to_ticket=True, service_item=self.items[code], title=text[:20])
                ]
            self._try(
                "visits",
                lambda: visit_create(
                    actor=officer,
                    enterprise=enterprise,
                    visited_at=clock.now() - timedelta(hours=1),
                    summary=summary,
                    method=method,
                    people_met=people,
                    problems=problems,
                ),
            )

        return act


def _settle_notifications(now: datetime) -> None:
    """The history's messages were sent and read at their time: only the last two days'
    stay unread and waiting to be sent (the worker sends those)."""
    old = Q(created_at__lt=now - timedelta(days=2))
    Notification.objects.filter(old, status__in=(NotificationStatus.PENDING, NotificationStatus.HELD)).update(
        status=NotificationStatus.SENT, sent_at=F("created_at"), attempts=1
    )
    Notification.objects.filter(old, channel=NotificationChannel.INBOX, read_at__isnull=True).update(
        read_at=F("created_at") + timedelta(hours=2)
    )


def seed_history(*, seed: int) -> HistoryOutcome | None:
    """Make the history once: nothing when tickets exist already. None when time-machine
    (a development requirement) is missing."""
    if Ticket.objects.exists():
        return HistoryOutcome()
    try:
        import time_machine
    except ImportError:  # pragma: no cover - a production image without the dev requirements
        return None
    end = clock.now()
    with transaction.atomic():
        with time_machine.travel(end - timedelta(weeks=WEEKS + 1), tick=False) as traveller:
            outcome = History(random.Random(seed), end=end).run(traveller)  # noqa: S311  demo data, not secrets
        _settle_notifications(end)
    outcome.add("tickets open now", Ticket.objects.exclude(status__in=(Status.CLOSED, Status.WITHDRAWN)).count())
    return outcome
