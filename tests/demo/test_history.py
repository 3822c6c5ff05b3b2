"""The demo's history: twelve weeks made through the services, so every page has something
to show and every figure agrees with the events behind it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from notifications.models import Notification, NotificationStatus
from reports import period_containing, report_for
from servicedesk import clock
from servicedesk.models import User
from tickets.models import (
    AssistRequest,
    Escalation,
    ExtensionRequest,
    Rating,
    ReturnVisit,
    ReviewVerdict,
    Status,
    SupervisionOrder,
    Ticket,
    TicketEvent,
    TicketLink,
)
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    settings.BASE_DIR = tmp_path
    out = StringIO()
    call_command("seed_demo", "--password", "demo-pass-123", stdout=out, stderr=StringIO())
    return out.getvalue()


def _twelve_weeks_of_consistent_history(seeded: str) -> None:
    now = clock.now()
    assert "12 weeks of history" in seeded and "officer1" in seeded  # the logins are printed
    tickets = Ticket.objects.all()
    assert tickets.count() > 200
    assert set(tickets.values_list("status", flat=True)) == set(Status.values)  # every status
    oldest = tickets.order_by("created_at").first()
    assert oldest is not None and now - timedelta(weeks=13) <= oldest.created_at <= now - timedelta(weeks=11)
    assert not tickets.filter(created_at__gt=now).exists()
    assert not TicketEvent.objects.filter(created_at__gt=now).exists()
    # on time and late, both ways
    assert tickets.filter(accepted_at__lte=F("accept_due_at")).count() > 100
    assert tickets.filter(accepted_at__gt=F("accept_due_at")).exists()
    assert tickets.filter(resolved_at__gt=F("resolve_due_at")).exists()
    assert tickets.filter(overdue=True, status__in=[Status.SUBMITTED, Status.IN_PROGRESS]).exists()
    # the ladder, 协办, 督办, extensions both ways
    assert Escalation.objects.filter(level="breach").exists()
    assert SupervisionOrder.objects.filter(answered_at__isnull=False).exists()
    assert AssistRequest.objects.filter(answered_at__isnull=False).exists()
    assert ExtensionRequest.objects.filter(status=ExtensionRequest.Status.APPROVED).exists()
    assert ExtensionRequest.objects.filter(status=ExtensionRequest.Status.REJECTED).exists()
    # ratings good and bad, their checks, rectifications and return visits; default ratings
    assert Rating.objects.filter(score=5, is_default=False).exists()
    assert Rating.objects.filter(score__lte=2, review_verdict=ReviewVerdict.VALID).exists()
    assert Rating.objects.filter(score__lte=2, review_verdict=ReviewVerdict.DISMISSED).exists()
    assert Rating.objects.filter(is_default=True).exists()
    assert ReturnVisit.objects.exists()
    assert Visit.objects.count() > 50
    # every closed ticket has its rating (the enterprise's or the default), but a merged duplicate
    closed = tickets.filter(status=Status.CLOSED, merged_into__isnull=True)
    assert not closed.exclude(pk__in=Rating.objects.values("ticket_id")).exists()
    # one merged pair whose duplicate follows the primary's reply, and one linked pair
    duplicate = tickets.get(merged_into__isnull=False)
    assert duplicate.status == Status.CLOSED and duplicate.merged_into is not None
    assert duplicate.merged_into.is_open and duplicate.enterprise_id != duplicate.merged_into.enterprise_id
    assert TicketEvent.objects.filter(ticket=duplicate, kind="merged_reply").exists()
    assert TicketLink.objects.count() == 1
    # the history's messages went out in their time; only the last days' wait
    assert not Notification.objects.filter(
        created_at__lt=now - timedelta(days=2), status=NotificationStatus.PENDING
    ).exists()
    # last month's ranking has officers on both lists
    zone = User.objects.get(username="zone")
    report = report_for(
        user=zone, level="officers", period=period_containing("month", clock.today_local() - timedelta(days=30))
    )
    assert report.red_list and report.black_list
    assert not set(report.red_list) & set(report.black_list)


def _the_pages_show_the_history() -> None:
    client = Client()
    client.force_login(User.objects.get(username="zone"))
    client.cookies["django_language"] = "en"
    page = client.get(reverse("dashboard")).content.decode()
    assert "No ticket" not in page and " points" in page  # the month's lists have names and points
    client.force_login(User.objects.get(username="officer1"))
    assert "SD-" in client.get(reverse("work-queue")).content.decode()


def _a_second_run_adds_no_history() -> None:
    before = Ticket.objects.count(), TicketEvent.objects.count()
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before


def test_the_demo_history_is_consistent_shows_on_the_pages_and_is_made_once(seeded: str) -> None:
    """One seeding serves the three checks: twelve weeks of history (half a minute) is the
    slowest fixture of the suite, and the checks only read it (the last one re-runs the
    command and asserts it adds nothing)."""
    _twelve_weeks_of_consistent_history(seeded)
    _the_pages_show_the_history()
    _a_second_run_adds_no_history()
