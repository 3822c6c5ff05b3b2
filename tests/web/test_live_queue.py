"""The live queue: an open queue page asks every few seconds whether anything in its view
changed (one indexed query, 204 when nothing did) and gets the refreshed rows, the news
marked, when something did; never about tickets outside the user's scope; with Redis away."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.procs import free_port
from tickets import services

pytestmark = pytest.mark.django_db

CHANGES = reverse("work-queue-changes")


def poll_address(body: str) -> str:
    """The address the page polls (its hx-get), unescaped."""
    found = re.search(r'id="queue-live"[^>]*hx-get="([^"]+)"', body)
    assert found, body
    return found.group(1).replace("&amp;", "&")


def open_queue(client, clock, query: str = "") -> str:
    """Open the queue page a moment after the last change (what changed within `live.LAG`
    before the page was read is news once more: it may have committed after the read)."""
    clock.shift(timedelta(seconds=2))
    response = client.get(reverse("work-queue") + query)
    assert response.status_code == 200
    return poll_address(response.content.decode())


def test_nothing_changed_answers_204_in_a_constant_number_of_queries(
    world, web_as, new_ticket, clock, django_assert_max_num_queries
):
    for _ in range(3):
        new_ticket()
    client = web_as(world.chief)
    poll = open_queue(client, clock)
    assert poll.startswith(CHANGES + "?since=")
    clock.shift(timedelta(seconds=4))
    # the session, the user, the check: the same whatever the queue holds
    with django_assert_max_num_queries(3):
        assert client.get(poll).status_code == 204
    for _ in range(5):
        new_ticket()
    poll = open_queue(client, clock)
    clock.shift(timedelta(seconds=4))
    with django_assert_max_num_queries(3):
        assert client.get(poll).status_code == 204


def test_a_new_ticket_in_scope_comes_back_in_the_rows_marked_new(world, web_as, new_ticket, clock):
    old = new_ticket(title="old")
    client = web_as(world.chief)
    poll = open_queue(client, clock, "?sort=-created")
    clock.shift(timedelta(seconds=5))
    filed = new_ticket(title="filed meanwhile")
    response = client.get(poll)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<tr class="unread" data-number="{filed.number}">' in body
    assert f'<tr class="" data-number="{old.number}">' in body  # not news
    assert body.index(filed.number) < body.index(old.number)  # the page's own sort
    assert "1 ticket new or changed since you opened this page" in body
    # the next check starts from this change: nothing new, 204; the marker stays until a reload
    next_poll = poll_address(body)
    assert next_poll != poll and "sort=-created" in next_poll
    assert client.get(next_poll).status_code == 204
    # a change to a ticket on the page: "Updated"
    clock.shift(timedelta(seconds=5))
    services.ticket_accept(ticket_id=old.pk, actor=world.chief)
    body = client.get(next_poll).content.decode()
    assert f'<tr class="unread" data-number="{old.number}">' in body
    assert "Updated" in body
    # the refreshed rows' links keep the page's address, not the token
    assert "since=" not in body.split('id="queue-live"')[0]


def test_a_ticket_leaving_the_view_refreshes_it(world, web_as, new_ticket, clock):
    moved = new_ticket()
    client = web_as(world.deputy)
    services.ticket_transfer(ticket_id=moved.pk, actor=world.chief, to_officer=world.deputy, reason="x")
    poll = open_queue(client, clock)
    clock.shift(timedelta(seconds=5))
    services.ticket_transfer(ticket_id=moved.pk, actor=world.deputy, to_officer=world.other_officer, reason="y")
    response = client.get(poll)
    assert response.status_code == 200
    assert moved.number not in response.content.decode()


def test_a_ticket_outside_the_scope_is_no_news(world, web_as, new_ticket, clock):
    client = web_as(world.chief)
    poll = open_queue(client, clock)
    manager = web_as(world.park_manager)
    manager_poll = open_queue(manager, clock)
    clock.shift(timedelta(seconds=5))
    services.ticket_create(
        actor=world.other_company,
        title="other park",
        description="x",
        kind="help",
        service_item=world.item,
    )
    assert client.get(poll).status_code == 204
    assert manager.get(manager_poll).status_code == 204
    mine = new_ticket()
    assert mine.number in manager.get(manager_poll).content.decode()


def test_a_token_is_its_users_only_and_signed_out_stops_polling(world, web_as, new_ticket, clock):
    poll = open_queue(web_as(world.chief), clock)
    clock.shift(timedelta(seconds=5))
    new_ticket()
    signed_out = Client()
    signed_out.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for client in (web_as(world.deputy), signed_out):
        response = client.get(poll + "&tab=waiting")
        assert response.status_code == 286  # htmx stops polling; the page says to reload
        assert response["HX-Reswap"] == "none"
        assert "no longer kept up to date" in response.content.decode()
        assert 'href="/work/?tab=waiting"' in response.content.decode()
    assert web_as(world.chief).get(CHANGES + "?since=forged").status_code == 286


def test_with_redis_away_the_queue_stays_live(world, web_as, new_ticket, clock):
    """The check reads PostgreSQL only: with the shipped cache pointed at a port where no
    Redis listens, the page and its checks answer as before."""
    dead = {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0", "RETRY_SECONDS": 60}
    with override_settings(CACHES={**settings.CACHES, "default": dead}):
        client = web_as(world.chief)
        poll = open_queue(client, clock)
        assert client.get(poll).status_code == 204
        clock.shift(timedelta(seconds=5))
        filed = new_ticket()
        assert filed.number in client.get(poll).content.decode()


def test_the_dashboard_says_when_there_is_news_in_the_scope(world, web_as, new_ticket, clock):
    manager = web_as(world.park_manager)
    clock.shift(timedelta(seconds=2))
    poll = poll_address(manager.get(reverse("dashboard")).content.decode())
    assert poll.startswith(CHANGES + "?")
    assert manager.get(poll).status_code == 204
    clock.shift(timedelta(seconds=5))
    services.ticket_create(
        actor=world.other_company, title="other park", description="x", kind="help", service_item=world.item
    )
    assert manager.get(poll).status_code == 204  # another park's ticket: no news here
    new_ticket()
    response = manager.get(poll)
    assert response.status_code == 286  # the line stays; no more checks
    assert response["HX-Reswap"] == "none"
    body = response.content.decode()
    assert "New activity on the tickets since you opened this page." in body
    assert f'href="{reverse("dashboard")}"' in body
