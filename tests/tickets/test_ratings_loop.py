"""好差评 after the resolution: the bad-review loop (rate 1–2 → a manager's check → 整改 with a
new deadline → resolved again → 回访), the dismissed path, the default rating after
`auto_close_days`, praise, and who may do which (403 in scope, 404 outside it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings

from tests.factories import OfficerFactory
from tickets import ratings, services, tasks
from tickets.models import (
    DeadlineKind,
    Escalation,
    EventKind,
    Praise,
    Rating,
    ReturnVisit,
    SlaDeadline,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.sla import escalation

from .conftest import SHANGHAI, T0

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def _resolved(world: Any) -> Ticket:
    """A ticket of world.enterprise, carried by its chief officer, resolved at T0."""
    ticket = services.ticket_create(
        actor=world.company,
        title="用电报装",
        description="新厂房需要接入 10kV 电源",
        kind="help",
        service_item=world.item,
    )
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=ticket.pk, actor=world.chief, resolution="已接入")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.owner) == (Status.RESOLVED, world.chief, world.chief)
    return ticket


def _bad(world: Any, score: int = 2) -> Ticket:
    ticket = _resolved(world)
    services.ticket_rate(ticket_id=ticket.pk, actor=world.company, score=score, comment="一直没人来")
    ticket.refresh_from_db()
    return ticket


def _kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


# --- the whole loop ---------------------------------------------------------------------


def test_bad_rating_found_valid_rectifies_and_the_return_visit_closes_the_loop(world, api_as, clock):
    # given a resolved ticket that the enterprise rates 2 (不满意)
    ticket = _resolved(world)
    rated = api_as(world.company).post(f"/api/v1/tickets/{ticket.pk}/rate/", {"score": 2, "comment": "没解决"})
    assert rated.status_code == 200, rated.json()
    assert (rated.json()["status"], rated.json()["rating"]) == ("closed", 2)

    # when the park manager checks it and finds it valid, one hour later
    clock.shift(timedelta(hours=1))  # Tuesday 11:00
    checked = api_as(world.park_manager).post(
        f"/api/v1/tickets/{ticket.pk}/review-rating/",
        {
            "verdict": "valid",
            "reason": "确实未按承诺办结",
            "is_reasonable": True,
            "is_true": True,
            "is_malicious": False,
        },
        format="json",
    )

    # then the ticket is back in progress as a rectification, due in 5 working days
    assert checked.status_code == 200, checked.json()
    body = checked.json()
    due = datetime(2026, 11, 24, 11, 0, tzinfo=SHANGHAI)  # Tue 11:00 + 5 × 7 working hours
    assert body["status"] == "in_progress"
    assert body["is_rectification"] is True
    assert body["rating"] is None and body["closed_at"] is None and body["reopen_count"] == 1
    assert datetime.fromisoformat(body["resolve_due_at"]) == due
    ticket.refresh_from_db()
    # ... as a new version of the resolution deadline, whose ladder runs from now
    deadline = SlaDeadline.objects.get(ticket=ticket, kind=DeadlineKind.RESOLVE, version=ticket.deadline_version)
    assert (deadline.due_at, deadline.clock, deadline.next_level, deadline.stopped_at) == (
        due,
        "working",
        "warning",
        None,
    )
    assert deadline.started_at == T0 + timedelta(hours=1)
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.review_verdict, rating.reviewed_by, rating.review_reason) == (
        "valid",
        world.park_manager,
        "确实未按承诺办结",
    )
    assert (rating.is_reasonable, rating.is_true, rating.is_malicious) == (True, True, False)
    assert rating.return_visit_due_at == due
    # the check is internal; the reopening is public
    reviewed = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RATING_REVIEWED)
    assert reviewed.public is False and reviewed.data["verdict"] == "valid"
    reopened = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REOPENED).get()
    assert reopened.public is True and reopened.data["rectification"] is True
    company_sees = [e["kind"] for e in api_as(world.company).get(f"/api/v1/tickets/{ticket.pk}/events/").json()]
    assert "rating_reviewed" not in company_sees and "reopened" in company_sees

    # when the officer resolves the rectification and records the return visit
    clock.shift(DAY)
    services.ticket_resolve(ticket_id=ticket.pk, actor=world.chief, resolution="已整改到位")
    visit = api_as(world.chief).post(
        f"/api/v1/tickets/{ticket.pk}/return-visit/",
        {"method": "phone", "result": "企业认可整改结果", "satisfied": True},
        format="json",
    )

    # then it is recorded, public, and counts in the return-visit rate
    assert visit.status_code == 201, visit.json()
    assert visit.json()["rating"] == rating.pk and visit.json()["satisfied"] is True
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RETURN_VISIT)
    assert event.public is True and event.data["late"] is False and event.body == "企业认可整改结果"
    assert ratings.return_visit_rate(Ticket.objects.all()).rate == 1.0
    # a second return visit for the same bad rating is not due
    again = api_as(world.chief).post(
        f"/api/v1/tickets/{ticket.pk}/return-visit/", {"method": "visit", "result": "再访", "satisfied": True}
    )
    assert again.status_code == 409

    # and the enterprise rates the new resolution round
    services.ticket_rate(ticket_id=ticket.pk, actor=world.company, score=5)
    assert list(Rating.objects.filter(ticket=ticket).values_list("resolution_round", "score")) == [(0, 2), (1, 5)]
    assert _kinds(ticket) == [
        "created",
        "accepted",
        "resolved",
        "rated",
        "rating_reviewed",
        "reopened",
        "resolved",
        "return_visit",
        "rated",
    ]


def test_the_rectification_deadline_climbs_its_own_ladder(world, clock):
    # given a bad rating found valid
    ticket = _bad(world)
    ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="valid")
    ticket.refresh_from_db()
    version = ticket.deadline_version

    # when nobody resolves it for ten days and the sweep runs
    clock.shift(10 * DAY)
    escalation.escalation_sweep()

    # then warning, breach and supervision fire on the rectification's deadline version
    levels = set(
        Escalation.objects.filter(ticket=ticket, kind=DeadlineKind.RESOLVE, version=version).values_list(
            "level", flat=True
        )
    )
    assert levels == {"warning", "breach", "supervision"}
    ticket.refresh_from_db()
    assert ticket.overdue is True


def test_a_dismissed_bad_rating_keeps_its_reason_and_the_ticket_stays_closed(world, api_as):
    ticket = _bad(world, score=1)

    no_reason = api_as(world.zone_manager).post(
        f"/api/v1/tickets/{ticket.pk}/review-rating/", {"verdict": "dismissed"}, format="json"
    )
    assert no_reason.status_code == 400
    response = api_as(world.zone_manager).post(
        f"/api/v1/tickets/{ticket.pk}/review-rating/",
        {"verdict": "dismissed", "reason": "与事实不符，企业诉求超出政策范围", "is_malicious": True},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed" and response.json()["is_rectification"] is False
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.review_verdict, rating.review_reason, rating.is_malicious) == (
        "dismissed",
        "与事实不符，企业诉求超出政策范围",
        True,
    )
    assert rating.return_visit_due_at is None
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RATING_REVIEWED)
    assert (event.body, event.data["verdict"], event.public) == ("与事实不符，企业诉求超出政策范围", "dismissed", False)
    # checked once only, and no return visit is due
    again = api_as(world.zone_manager).post(
        f"/api/v1/tickets/{ticket.pk}/review-rating/", {"verdict": "valid"}, format="json"
    )
    assert again.status_code == 409
    visit = api_as(world.chief).post(
        f"/api/v1/tickets/{ticket.pk}/return-visit/", {"method": "phone", "result": "-", "satisfied": False}
    )
    assert visit.status_code == 409
    assert ratings.return_visit_rate(Ticket.objects.all()).rate is None


@pytest.mark.parametrize("score", [None, 3, 5])
def test_no_check_without_an_unchecked_bad_rating(world, api_as, score):
    ticket = _resolved(world)
    if score is not None:
        services.ticket_rate(ticket_id=ticket.pk, actor=world.company, score=score)
    response = api_as(world.park_manager).post(
        f"/api/v1/tickets/{ticket.pk}/review-rating/", {"verdict": "valid"}, format="json"
    )
    assert response.status_code == 409
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.RATING_REVIEWED).exists()


def test_a_bad_rating_whose_ticket_was_reopened_meanwhile_cannot_be_rectified_but_can_be_dismissed(world):
    ticket = _bad(world)
    services.ticket_reopen(ticket_id=ticket.pk, actor=world.company, reason="还是不行")
    with pytest.raises(Exception) as refused:
        ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="valid")
    assert getattr(refused.value, "status_code", None) == 409
    ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="dismissed", reason="已重新办理")
    assert Rating.objects.get(ticket=ticket).review_verdict == "dismissed"


# --- who may do what --------------------------------------------------------------------

REVIEWERS = {
    "park_manager": 200,
    "zone_manager": 200,
    "admin": 200,
    "company": 403,
    "chief": 403,
    "deputy": 403,
    "other_park_manager": 404,
    "other_company": 404,
    "other_officer": 404,
}


@pytest.mark.parametrize(("who", "code"), REVIEWERS.items())
def test_only_managers_in_scope_check_bad_ratings(world, api_as, who, code):
    ticket = _bad(world)
    response = api_as(getattr(world, who)).post(
        f"/api/v1/tickets/{ticket.pk}/review-rating/", {"verdict": "valid", "reason": "核查"}, format="json"
    )
    assert response.status_code == code, response.json()
    ticket.refresh_from_db()
    assert ticket.status == (Status.IN_PROGRESS if code == 200 else Status.CLOSED)


RETURN_VISITORS = {
    "chief": 201,  # assignee and owner
    "park_manager": 201,
    "admin": 201,
    "company": 403,
    "deputy": 403,  # sees the ticket, does not carry it
    "other_park_manager": 404,
    "other_company": 404,
    "other_officer": 404,
}


@pytest.mark.parametrize(("who", "code"), RETURN_VISITORS.items())
def test_the_officer_carrying_the_ticket_or_a_manager_records_the_return_visit(world, api_as, who, code):
    ticket = _bad(world)
    ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="valid")
    response = api_as(getattr(world, who)).post(
        f"/api/v1/tickets/{ticket.pk}/return-visit/",
        {"method": "visit", "result": "上门回访", "satisfied": False},
        format="json",
    )
    assert response.status_code == code, response.json()
    assert ReturnVisit.objects.filter(ticket=ticket).count() == (1 if code == 201 else 0)


def test_the_owner_records_the_return_visit_after_a_transfer(world):
    ticket = _bad(world)
    ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="valid")
    services.ticket_transfer(ticket_id=ticket.pk, actor=world.park_manager, to_officer=world.deputy, reason="分派")
    visit = ratings.return_visit_record(
        ticket_id=ticket.pk, actor=world.chief, method="online", result="线上回访", satisfied=True
    )
    assert (visit.visited_by, visit.ticket.assignee) == (world.chief, world.deputy)


@pytest.mark.parametrize(
    ("who", "code"), {"company": 200, "other_company": 404, "chief": 403, "park_manager": 403}.items()
)
def test_an_enterprise_rates_only_its_own_tickets(world, api_as, who, code):
    ticket = _resolved(world)
    response = api_as(getattr(world, who)).post(f"/api/v1/tickets/{ticket.pk}/rate/", {"score": 1})
    assert response.status_code == code
    assert Rating.objects.filter(ticket=ticket).count() == (1 if code == 200 else 0)


def test_rating_twice_or_before_the_resolution_is_a_conflict(world, api_as):
    ticket = _resolved(world)
    assert api_as(world.company).post(f"/api/v1/tickets/{ticket.pk}/rate/", {"score": 4}).status_code == 200
    assert api_as(world.company).post(f"/api/v1/tickets/{ticket.pk}/rate/", {"score": 1}).status_code == 409
    fresh = services.ticket_create(
        actor=world.company, title="咨询", description="政策咨询", kind="enquiry", service_item=world.item
    )
    assert api_as(world.company).post(f"/api/v1/tickets/{fresh.pk}/rate/", {"score": 5}).status_code == 409
    assert api_as(world.company).post(f"/api/v1/tickets/{ticket.pk}/rate/", {"score": 6}).status_code == 400


@pytest.mark.parametrize(("verdict", "method"), [("maybe", None), (None, "fax")])
def test_malformed_check_and_return_visit_are_400(world, api_as, verdict, method):
    ticket = _bad(world)
    if verdict:
        response = api_as(world.park_manager).post(
            f"/api/v1/tickets/{ticket.pk}/review-rating/", {"verdict": verdict}, format="json"
        )
    else:
        ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="valid")
        response = api_as(world.chief).post(
            f"/api/v1/tickets/{ticket.pk}/return-visit/", {"method": method, "result": "x", "satisfied": True}
        )
    assert response.status_code == 400


# --- the default rating after 7 days ----------------------------------------------------


def test_a_resolved_ticket_closes_with_the_default_rating_after_seven_days_not_before(world, clock):
    # given a ticket resolved at T0 and another one rated by the enterprise
    ticket = _resolved(world)
    rated = _resolved(world)
    services.ticket_rate(ticket_id=rated.pk, actor=world.company, score=5)

    # when the task runs one minute before the seventh day is over
    clock.shift(7 * DAY - timedelta(minutes=1))
    assert tasks.rating_auto_close() == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED

    # then, at seven days, it closes with 基本满意 (3), marked as a default, by nobody
    clock.shift(timedelta(minutes=1))
    assert tasks.rating_auto_close() == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating, ticket.closed_at) == (Status.CLOSED, 3, T0 + 7 * DAY)
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.score, rating.is_default, rating.rated_by, rating.resolution_round) == (3, True, None, 0)
    event = TicketEvent.objects.filter(ticket=ticket).last()
    assert event is not None
    assert (event.kind, event.actor, event.data["default"], event.public) == (EventKind.CLOSED, None, True, True)

    # and running it again changes nothing (idempotent); the enterprise's rating is untouched
    assert tasks.rating_auto_close() == 0
    assert Rating.objects.filter(ticket=ticket).count() == 1
    assert list(Rating.objects.filter(ticket=rated).values_list("score", "is_default")) == [(5, False)]
    # a default rating is never a bad review
    with pytest.raises(Exception) as refused:
        ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="valid")
    assert getattr(refused.value, "status_code", None) == 409


def test_the_default_rating_runs_in_batches(world, clock):
    tickets = [_resolved(world) for _ in range(5)]
    clock.shift(8 * DAY)
    assert ratings.rating_auto_close(batch=2) == 5
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).values_list("status", flat=True)) == {"closed"}
    assert ratings.rating_auto_close(batch=2) == 0


def test_the_auto_close_policy_days_count_and_a_rectified_round_gets_its_own_default(world, clock):
    # a rectification resolved again and left unrated closes with a default for round 1
    ticket = _bad(world)
    ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="valid")
    services.ticket_resolve(ticket_id=ticket.pk, actor=world.chief, resolution="已整改")
    clock.shift(7 * DAY)
    assert ratings.rating_auto_close() == 1
    assert list(Rating.objects.filter(ticket=ticket).values_list("resolution_round", "score", "is_default")) == [
        (0, 2, False),
        (1, 3, True),
    ]


def test_beat_runs_the_default_rating():
    entry = settings.CELERY_BEAT_SCHEDULE["rating-auto-close"]
    assert entry["task"] == "tickets.tasks.rating_auto_close"


# --- praise -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code"),
    {"company": 201, "park_manager": 201, "chief": 403, "deputy": 403, "other_company": 404}.items(),
)
def test_praise_comes_from_the_enterprise_or_a_manager(world, api_as, who, code):
    ticket = _resolved(world)
    response = api_as(getattr(world, who)).post(
        f"/api/v1/tickets/{ticket.pk}/praise/", {"kind": "banner", "note": "赠送锦旗一面"}, format="json"
    )
    assert response.status_code == code, response.json()
    if code == 201:
        praise = Praise.objects.get(ticket=ticket)
        assert (praise.enterprise, praise.officer, praise.kind, praise.recorded_by) == (
            world.enterprise,
            world.chief,
            "banner",
            getattr(world, who),
        )
        assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.PRAISED).public is False
    else:
        assert not Praise.objects.exists()


def test_praise_is_once_per_kind_and_only_after_the_resolution(world, api_as):
    ticket = _resolved(world)
    company = api_as(world.company)
    url = f"/api/v1/tickets/{ticket.pk}/praise/"
    assert company.post(url, {"kind": "banner"}, format="json").status_code == 201
    again = company.post(url, {"kind": "banner"}, format="json")
    assert again.status_code == 409, again.json()
    assert api_as(world.park_manager).post(url, {"kind": "banner"}, format="json").status_code == 409
    assert company.post(url, {"kind": "letter"}, format="json").status_code == 201
    assert Praise.objects.filter(ticket=ticket).count() == 2

    services.ticket_reopen(ticket_id=ticket.pk, actor=world.company, reason="问题复现")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    early = api_as(world.park_manager).post(url, {"kind": "letter"}, format="json")
    assert early.status_code == 409 and Praise.objects.filter(ticket=ticket).count() == 2


def test_a_manager_who_handled_the_ticket_does_not_praise_it(world, api_as):
    ticket = _resolved(world)
    Ticket.objects.filter(pk=ticket.pk).update(owner=world.park_manager, assignee=world.park_manager)
    response = api_as(world.park_manager).post(
        f"/api/v1/tickets/{ticket.pk}/praise/", {"kind": "letter"}, format="json"
    )
    assert response.status_code == 403 and not Praise.objects.exists()


def test_return_visit_rate_counts_valid_bad_reviews_only(world):
    visited, waiting, dismissed = _bad(world), _bad(world), _bad(world)
    for ticket in (visited, waiting):
        ratings.rating_review(ticket_id=ticket.pk, actor=world.park_manager, verdict="valid")
    ratings.rating_review(ticket_id=dismissed.pk, actor=world.park_manager, verdict="dismissed", reason="不属实")
    ratings.return_visit_record(ticket_id=visited.pk, actor=world.chief, method="phone", result="满意", satisfied=True)

    figure = ratings.return_visit_rate(Ticket.objects.all())
    assert (figure.valid_bad_reviews, figure.with_return_visit, figure.rate) == (2, 1, 0.5)
    # scoped: the other park has none
    assert ratings.return_visit_rate(Ticket.objects.filter(park=world.other_park)).rate is None
    stranger = OfficerFactory(department=world.service_dept)
    assert ratings.return_visit_rate(Ticket.objects.filter(owner=stranger)).valid_bad_reviews == 0
