"""The work queue: an officer's open tickets by the nearest deadline, red / yellow rows;
the managers' filtered list in scope. Constant query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from tickets import services
from tickets.models import SlaDeadline, Status, Ticket
from web.tickets.views import sla_flag

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    return [row["ticket"].number for row in response.context["rows"]]


def test_officer_queue_holds_assigned_and_owned_open_tickets_nearest_due_first(world, web_as, new_ticket, clock):
    later = new_ticket(title="later")
    clock.shift(timedelta(minutes=30))
    sooner = new_ticket(title="sooner", priority="urgent")
    done = new_ticket(title="done")
    services.ticket_accept(ticket_id=done.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=done.pk, actor=world.chief, resolution="ok")
    moved = new_ticket(title="moved")
    services.ticket_transfer(ticket_id=moved.pk, actor=world.chief, to_officer=world.deputy, reason="x")
    response = web_as(world.chief).get(reverse("work-queue"))
    assert response.status_code == 200
    listed = numbers(response)
    assert listed.index(sooner.number) < listed.index(later.number)
    assert moved.number in listed  # still owned (首问)
    assert done.number not in listed
    assert numbers(web_as(world.deputy).get(reverse("work-queue"))) == [moved.number]


def test_officer_queue_is_the_scoped_open_tickets_they_carry_or_own_without_the_scope_query(world, web_as, new_ticket):
    """Assignee and owner are the first arms of an officer's scope: the queue reads them
    alone (no OR over the enterprise's officers, no assist subquery), and lists the same."""
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from tickets import selectors
    from tickets.models import OPEN_STATUSES

    mine = new_ticket(title="mine")
    moved = new_ticket(title="moved")
    services.ticket_transfer(ticket_id=moved.pk, actor=world.chief, to_officer=world.deputy, reason="x")
    for officer in (world.chief, world.deputy):
        expected = selectors.ticket_list_for(officer).filter(
            Q(assignee=officer) | Q(owner=officer), status__in=OPEN_STATUSES
        )
        with CaptureQueriesContext(connection) as ctx:
            response = web_as(officer).get(reverse("work-queue"))
        assert sorted(numbers(response)) == sorted(t.number for t in expected)
        queue = [q["sql"] for q in ctx.captured_queries if "tickets_ticket" in q["sql"] and "ORDER BY" in q["sql"]]
        assert queue and all("EXISTS" not in sql for sql in queue)
    assert mine.number in numbers(web_as(world.chief).get(reverse("work-queue")))


def test_overdue_rows_are_red_and_at_risk_rows_yellow(world, web_as, new_ticket, clock):
    ticket = new_ticket()
    now = ticket.created_at
    assert sla_flag(ticket, now) == ""
    assert sla_flag(ticket, ticket.accept_due_at - timedelta(hours=1)) == "at-risk"
    assert sla_flag(ticket, ticket.accept_due_at + timedelta(minutes=1)) == "overdue"
    Ticket.objects.filter(pk=ticket.pk).update(overdue=True)
    body = web_as(world.chief).get(reverse("work-queue")).content.decode()
    assert f'<tr class="overdue" data-number="{ticket.number}">' in body
    Ticket.objects.filter(pk=ticket.pk).update(overdue=False)
    # the sweep fired the 75 % warning of the acceptance deadline: its ladder waits for the breach
    SlaDeadline.objects.filter(ticket=ticket, kind="accept").update(next_level="breach")
    body = web_as(world.chief).get(reverse("work-queue")).content.decode()
    assert f'<tr class="at-risk" data-number="{ticket.number}">' in body
    # accepted: the acceptance ladder stops and the resolution deadline is far away
    services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    body = web_as(world.chief).get(reverse("work-queue")).content.decode()
    assert f'<tr class="" data-number="{ticket.number}">' in body


def test_enterprise_users_go_to_their_portal(world, web_as):
    response = web_as(world.company).get(reverse("work-queue"))
    assert response.status_code == 302 and response["Location"] == reverse("portal-home")


def test_manager_sees_the_scope_with_filters(world, web_as, new_ticket):
    from tickets.services import ticket_create

    mine = new_ticket(title="用电报装")
    theirs = ticket_create(
        actor=world.other_company, title="供水", description="x", kind="help", service_item=world.item
    )
    accepted = new_ticket(title="道路维修")
    services.ticket_accept(ticket_id=accepted.pk, actor=world.chief)
    url = reverse("work-queue")
    park = web_as(world.park_manager)
    assert set(numbers(park.get(url))) == {mine.number, accepted.number}
    zone = web_as(world.zone_manager)
    assert set(numbers(zone.get(url))) == {mine.number, accepted.number, theirs.number}
    assert numbers(zone.get(url, {"park": world.other_park.pk})) == [theirs.number]
    assert numbers(zone.get(url, {"status": Status.IN_PROGRESS})) == [accepted.number]
    assert numbers(zone.get(url, {"q": "道路"})) == [accepted.number]
    assert numbers(zone.get(url, {"q": mine.number})) == [mine.number]
    # words of the description and the enterprise's name, not only the title
    assert set(numbers(zone.get(url, {"q": "厂房 电源"}))) == {mine.number, accepted.number}
    assert set(numbers(zone.get(url, {"q": world.other_enterprise.name}))) == {theirs.number}
    assert numbers(zone.get(url, {"overdue": "1"})) == []
    Ticket.objects.filter(pk=mine.pk).update(overdue=True)
    assert numbers(zone.get(url, {"overdue": "1"})) == [mine.number]
    assert set(numbers(zone.get(url, {"department": world.service_dept.pk}))) >= {mine.number}
    # filters the page does not understand are ignored, never a 500
    response = zone.get(url, {"park": "x", "status": "nope", "department": "abc"})
    assert response.status_code == 200 and len(numbers(response)) == 3
    assert set(response.context["filters"].errors) == {"park", "status", "department"}
    response = zone.get(url, {"park": "x", "status": Status.IN_PROGRESS})
    assert numbers(response) == [accepted.number]
    # a filter outside the manager's park finds nothing
    assert numbers(park.get(url, {"park": world.other_park.pk})) == []


def test_htmx_filter_returns_the_rows_only(world, web_as, new_ticket):
    new_ticket()
    response = web_as(world.zone_manager).get(reverse("work-queue"), {"q": "用电"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<table" in body and "<html" not in body


@pytest.mark.parametrize("who", ["chief", "zone_manager"])
def test_queue_query_count_is_constant(world, web_as, new_ticket, who, django_assert_max_num_queries):
    client = web_as(getattr(world, who))
    new_ticket()
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("work-queue"))
    for _ in range(30):
        new_ticket()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("work-queue"))
    assert len(response.context["rows"]) == 25 and 'rel="next"' in response.content.decode()


def test_a_search_in_the_queue_is_paged_by_the_tickets_it_found(world, web_as, new_ticket, clock, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import web.tickets.views as views

    # given: three tickets that say 漏水, pages of two
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for i in range(3):
        clock.shift(timedelta(minutes=1))
        new_ticket(title=f"厂房漏水 {i}")
    zone = web_as(world.zone_manager)
    url = reverse("work-queue")
    first = zone.get(url, {"q": "漏水", "tab": "all"})
    # when: the second page
    with CaptureQueriesContext(connection) as ran:
        second = zone.get(url, {"q": "漏水", "tab": "all", "page": 2})
    # then: every ticket once over the two pages, and the count says three
    assert len(numbers(first)) == 2 and len(numbers(second)) == 1
    assert set(numbers(first)) | set(numbers(second)) == set(Ticket.objects.values_list("number", flat=True))
    assert second.context["page_obj"].paginator.count == 3
    if connection.vendor == "postgresql":
        # counted by the ids the search found: no COUNT of the tickets
        assert not [q for q in ran.captured_queries if 'COUNT(*) AS "__count" FROM "tickets_ticket"' in q["sql"]]


def test_an_officers_search_in_the_queue_looks_among_their_tags(world, web_as, new_ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mine = new_ticket(title="厂房漏水")
    with CaptureQueriesContext(connection) as ran:
        response = web_as(world.chief).get(reverse("work-queue"), {"q": "漏水", "tab": "all"})
    if connection.vendor == "postgresql":  # the log is read before the next request clears it
        assert any(f"~a{world.chief.pk}" in q["sql"] for q in ran.captured_queries)
    assert numbers(response) == [mine.number]
    assert web_as(world.other_officer).get(reverse("work-queue"), {"q": "漏水", "tab": "all"}).context["rows"] == []
