"""Linking and merging on the ticket page: the similar-tickets panel's "link" and "merge into
this", the panels, what the duplicate's and the primary's pages say to each role."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import EnterpriseFactory, EnterpriseUserFactory
from tickets import services
from tickets.models import EventKind, Status, Ticket, TicketEvent, TicketLink

pytestmark = pytest.mark.django_db


def page(number: str) -> str:
    return reverse("ticket-page", kwargs={"number": number})


def act(number: str, action: str) -> str:
    return reverse("ticket-action", kwargs={"number": number, "action": action})


@pytest.fixture
def neighbour(world):  # type: ignore[no-untyped-def]
    enterprise = EnterpriseFactory(park=world.park, chief_officer=world.chief, deputy_officer=world.deputy)
    return EnterpriseUserFactory(enterprise=enterprise)


@pytest.fixture
def pair(world, neighbour):  # type: ignore[no-untyped-def]
    """(primary, duplicate): the same power cut told by two enterprises of one park."""
    text = {"description": "园区东路停电，厂房无法生产", "kind": "help", "service_item": world.item}
    primary = services.ticket_create(actor=world.company, title="园区东路停电", **text)  # type: ignore[arg-type]
    duplicate = services.ticket_create(actor=neighbour, title="园区东路停电了", **text)  # type: ignore[arg-type]
    return primary, duplicate


def csrf_client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def token_of(client: Client, number: str) -> str:
    body = client.get(page(number)).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def test_the_similar_panel_offers_link_and_merge_into_this_and_both_work_with_csrf(world, pair):
    primary, duplicate = pair
    client = csrf_client(world.chief)
    body = client.get(page(primary.number)).content.decode()
    assert 'id="similar"' in body and duplicate.number in body
    assert act(primary.number, "link") in body and act(primary.number, "merge-here") in body
    # without the token: refused, nothing written
    assert client.post(act(primary.number, "link"), {"link-ticket": duplicate.number}).status_code == 403
    assert not TicketLink.objects.exists()

    token = token_of(client, primary.number)
    response = client.post(
        act(primary.number, "link"), {"link-ticket": duplicate.number, "csrfmiddlewaretoken": token}, follow=True
    )
    assert response.status_code == 200 and "Tickets linked." in response.content.decode()
    assert TicketLink.objects.count() == 1
    assert 'id="related"' in response.content.decode()

    token = token_of(client, primary.number)
    response = client.post(
        act(primary.number, "merge-here"),
        {"merge-here-duplicate": duplicate.number, "csrfmiddlewaretoken": token},
        follow=True,
    )
    assert response.status_code == 200, response.content.decode()[:500]
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.merged_into_id == primary.pk
    shown = response.content.decode()
    assert 'id="duplicates"' in shown and duplicate.number in shown
    assert TicketEvent.objects.filter(ticket=primary, kind=EventKind.MERGED).exists()


def test_the_merge_panel_merges_this_ticket_into_a_named_primary(world, pair, web_as):
    primary, duplicate = pair
    client = web_as(world.park_manager)
    assert "merge" in [p["name"] for p in client.get(page(duplicate.number)).context["panels"]]
    response = client.post(
        act(duplicate.number, "merge"), {"merge-into": primary.number, "merge-reason": "同一故障"}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="merged"' in body and primary.number in body  # "merged into #N", a link for the staff
    assert reverse("ticket-page", kwargs={"number": primary.number}) in body
    # a merged duplicate offers neither link nor merge any more
    assert not {"link", "merge"} & {p["name"] for p in response.context["panels"]}


def test_a_wrong_number_is_a_field_error_and_a_refusal_says_why(world, pair, web_as):
    primary, duplicate = pair
    client = web_as(world.chief)
    response = client.post(act(duplicate.number, "merge"), {"merge-into": "SD-1999-000001"})
    assert response.status_code == 400
    panel = next(p for p in response.context["panels"] if p["name"] == "merge")
    assert "into" in panel["form"].errors
    response = client.post(act(duplicate.number, "merge"), {"merge-into": duplicate.number})
    assert response.status_code == 400  # into itself
    services.ticket_withdraw(ticket_id=primary.pk, actor=world.company)
    response = client.post(act(duplicate.number, "merge"), {"merge-into": primary.number})
    assert response.status_code == 409 and "nothing was changed" in response.content.decode()
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None


def test_the_enterprise_sees_merged_and_the_followed_replies_never_the_primary(world, pair, neighbour, web_as):
    primary, duplicate = pair
    from tickets.merge import ticket_merge

    ticket_merge(ticket_id=duplicate.pk, into_id=primary.pk, actor=world.chief)
    services.ticket_accept(ticket_id=primary.pk, actor=world.chief)
    services.ticket_reply(ticket_id=primary.pk, actor=world.chief, body="抢修队已出发")
    client = web_as(neighbour)
    body = client.get(page(duplicate.number)).content.decode()
    assert 'id="merged"' in body and "抢修队已出发" in body and "reply on the merged ticket" in body
    assert primary.number not in body and world.enterprise.name not in body
    assert 'id="similar"' not in body and act(duplicate.number, "merge") not in body
    assert client.get(page(primary.number)).status_code == 404
    # the enterprise cannot merge through the page either
    assert client.post(act(duplicate.number, "merge-here"), {"merge-here-duplicate": primary.number}).status_code in (
        400,
        403,
        404,
    )
    # the primary's enterprise sees nothing of the duplicate
    own = web_as(world.company).get(page(primary.number)).content.decode()
    assert duplicate.number not in own and 'id="duplicates"' not in own


def test_the_page_query_count_does_not_grow_with_duplicates(
    world, pair, neighbour, web_as, django_assert_max_num_queries
):
    primary, duplicate = pair
    from tickets.merge import ticket_merge

    ticket_merge(ticket_id=duplicate.pk, into_id=primary.pk, actor=world.chief)
    client = web_as(world.chief)
    client.get(page(primary.number))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(page(primary.number))
    for i in range(4):
        more = services.ticket_create(
            actor=neighbour, title=f"停电{i}", description="停电", kind="help", service_item=world.item
        )
        ticket_merge(ticket_id=more.pk, into_id=primary.pk, actor=world.chief)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(page(primary.number)).content.decode()
    assert body.count("/tickets/SD-") >= 5


def test_merge_into_this_without_a_ticket_says_so(world, pair, web_as):
    primary, _duplicate = pair
    response = web_as(world.chief).post(act(primary.number, "merge-here"), {}, follow=True)
    assert response.status_code == 400 and "Name a ticket." in response.content.decode()
    response = web_as(world.chief).post(act(primary.number, "merge-here"), {"merge-here-duplicate": primary.number})
    assert response.status_code == 400 and "Name another ticket than this one." in response.content.decode()


def test_the_forms_and_notes_speak_chinese(world, pair, neighbour, web_as):
    primary, duplicate = pair
    client = web_as(world.chief)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    body = client.get(page(primary.number)).content.decode()
    assert "合并至本单" in body and "关联相关工单" in body and "合并至另一张工单" in body
    from tickets.merge import ticket_merge

    ticket_merge(ticket_id=duplicate.pk, into_id=primary.pk, actor=world.chief)
    assert "合并至本工单的重复工单" in client.get(page(primary.number)).content.decode()
    company = web_as(neighbour)
    company.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "本工单与同一事项的工单合并办理" in company.get(page(duplicate.number)).content.decode()
