"""The inbox page: own rows only, unread first and in bold, mark one read (htmx swaps the
row), mark all read, links to tickets, the unread badge in the nav, CSRF, query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import Notification, NotificationChannel, NotificationStatus
from servicedesk import clock as time_source
from servicedesk.models import User
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _note(user: User, subject: str, *, minutes_ago: int = 0, read: bool = False, ticket: Ticket | None = None) -> Any:
    now = time_source.now() - timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        recipient=user,
        channel=NotificationChannel.INBOX,
        event_kind="created",
        topic_type="ticket" if ticket else "",
        topic_id=ticket.pk if ticket else None,
        topic_label=ticket.number if ticket else "",
        payload={"number": subject, "title": "t", "actor": "某企业"},  # the page says the kind's sentence
        subject=subject,
        body=f"{subject} body",
        status=NotificationStatus.SENT,
        next_attempt_at=now,
        dedup_key=f"test:{user.pk}:{subject}",
        created_at=now,
        read_at=now if read else None,
    )


def test_the_inbox_lists_own_rows_unread_first_and_bold(world, web_as):
    _note(world.chief, "old unread", minutes_ago=30)
    _note(world.chief, "new but read", minutes_ago=1, read=True)
    _note(world.chief, "newest unread", minutes_ago=0)
    _note(world.deputy, "not yours")
    body = web_as(world.chief).get(reverse("inbox")).content.decode()
    assert body.index("newest unread") < body.index("old unread") < body.index("new but read")
    assert "<strong>New ticket newest unread</strong>" in body
    assert "<strong>New ticket new but read</strong>" not in body
    assert "not yours" not in body
    newest = web_as(world.chief).get(reverse("inbox"), {"order": "newest"}).content.decode()
    assert newest.index("newest unread") < newest.index("new but read") < newest.index("old unread")


def test_an_entry_links_to_its_ticket(world, web_as, file_ticket):
    number = file_ticket()["number"]
    ticket = Ticket.objects.get(number=number)
    _note(world.chief, "with a ticket", ticket=ticket)
    body = web_as(world.chief).get(reverse("inbox")).content.decode()
    assert number in body


def test_mark_one_read_with_htmx_swaps_the_row(world, web_as):
    note = _note(world.chief, "read me")
    response = web_as(world.chief).post(reverse("inbox-read", args=[note.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="note-{note.pk}"')
    assert "<strong>" not in body and "<html" not in body
    # the nav badge follows, out of band: no unread left
    assert '<template><span id="inbox-unread" hx-swap-oob="true"></span></template>' in body
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_one_read_without_htmx_goes_back_to_the_inbox(world, web_as):
    note = _note(world.chief, "read me")
    response = web_as(world.chief).post(reverse("inbox-read", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert Notification.objects.get(pk=note.pk).read_at is not None


def test_someone_elses_row_is_a_404_and_stays_unread(world, web_as):
    note = _note(world.deputy, "the deputy's")
    assert web_as(world.chief).post(reverse("inbox-read", args=[note.pk])).status_code == 404
    assert web_as(world.chief).post(reverse("inbox-read", args=[2**70])).status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_mark_all_read_touches_only_your_rows(world, web_as):
    mine = [_note(world.chief, f"n{i}") for i in range(3)]
    theirs = _note(world.deputy, "theirs")
    response = web_as(world.chief).post(reverse("inbox-read-all"), follow=True)
    assert response.status_code == 200
    assert "3 notifications marked read" in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_nav_shows_the_unread_count(world, web_as):
    _note(world.chief, "a")
    _note(world.chief, "b")
    _note(world.chief, "c", read=True)
    body = web_as(world.chief).get(reverse("inbox")).content.decode()
    assert f'href="{reverse("inbox")}"' in body
    assert '<span id="inbox-unread"> <span class="badge red" title="Unread">2</span></span>' in body


def test_every_signed_in_role_has_an_inbox_and_anonymous_is_sent_to_sign_in(world, web_as):
    for user in (world.company, world.chief, world.park_manager, world.admin):
        assert web_as(user).get(reverse("inbox")).status_code == 200
    response = Client().get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_read_marks_need_a_post_and_the_csrf_token(world, web_as):
    note = _note(world.chief, "csrf")
    assert web_as(world.chief).get(reverse("inbox-read", args=[note.pk])).status_code == 405
    strict = web_as(world.chief, enforce_csrf_checks=True)
    assert strict.post(reverse("inbox-read", args=[note.pk])).status_code == 403
    assert strict.post(reverse("inbox-read-all")).status_code == 403
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_the_inbox_is_paginated_with_constant_queries(world, web_as, file_ticket, django_assert_max_num_queries):
    ticket = Ticket.objects.get(number=file_ticket()["number"])
    Notification.objects.filter(recipient=world.chief).delete()
    _note(world.chief, "first", ticket=ticket)
    client = web_as(world.chief)
    with django_assert_max_num_queries(6) as few:  # session, user, badge, count, page
        client.get(reverse("inbox"))
    for i in range(40):
        _note(world.chief, f"more {i}", ticket=ticket, minutes_ago=i + 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("inbox"))
    assert len(response.context["notifications"]) == 25
    assert 'rel="next"' in response.content.decode()
