"""The inbox API: own rows only, unread filter, read marks, unread count, preferences."""

from __future__ import annotations

import pytest

from notifications.models import Notification, NotificationPreference, NotificationSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(world, file_ticket, api_as):  # type: ignore[no-untyped-def]
    ticket = file_ticket()
    api_as(world.chief).post(f"/api/v1/tickets/{ticket['id']}/accept/")
    api_as(world.chief).post(f"/api/v1/tickets/{ticket['id']}/reply/", {"body": "收到"})
    return ticket


def test_the_inbox_lists_own_rows_only(world, inbox, api_as):  # type: ignore[no-untyped-def]
    body = api_as(world.company).get("/api/v1/notifications/").json()
    assert body["count"] == 2
    assert {r["event_kind"] for r in body["results"]} == {"accepted", "replied"}
    assert set(body) == {"count", "next", "previous", "results"}
    assert api_as(world.chief).get("/api/v1/notifications/").json()["count"] == 1  # created
    assert api_as(world.other_company).get("/api/v1/notifications/").json()["count"] == 0


def test_read_marks_and_the_unread_count(world, inbox, api_as):  # type: ignore[no-untyped-def]
    company = api_as(world.company)
    assert company.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    row = Notification.objects.filter(recipient=world.company).first()
    response = company.post(f"/api/v1/notifications/{row.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    assert company.post(f"/api/v1/notifications/{row.pk}/read/").status_code == 200  # again: fine
    assert company.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    unread = company.get("/api/v1/notifications/?unread=true").json()
    assert [r["id"] for r in unread["results"]] != [row.pk]
    assert unread["count"] == 1


def test_someone_elses_notification_is_a_404(world, inbox, api_as, api):  # type: ignore[no-untyped-def]
    row = Notification.objects.filter(recipient=world.company).first()
    assert api_as(world.other_company).post(f"/api/v1/notifications/{row.pk}/read/").status_code == 404
    assert api_as(world.company).post("/api/v1/notifications/abc/read/").status_code == 404
    assert api_as(world.company).post("/api/v1/notifications/99999/read/").status_code == 404
    assert api.get("/api/v1/notifications/").status_code == 401
    row.refresh_from_db()
    assert row.read_at is None


def test_preferences_can_be_read_and_changed(world, api_as):  # type: ignore[no-untyped-def]
    chief = api_as(world.chief)
    assert chief.get("/api/v1/notifications/preferences/").json() == {
        "quiet_start": "22:00",
        "quiet_end": "08:00",
        "daily_digest": False,
        "preferences": [],
    }
    response = chief.put(
        "/api/v1/notifications/preferences/",
        {
            "quiet_start": "23:00",
            "daily_digest": True,
            "preferences": [{"event_kind": "replied", "channel": "email", "enabled": False}],
        },
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["preferences"] == [{"event_kind": "replied", "channel": "email", "enabled": False}]
    assert NotificationSettings.objects.get(user=world.chief).daily_digest is True
    assert NotificationPreference.objects.get(user=world.chief).enabled is False
    bad = chief.put("/api/v1/notifications/preferences/", {"preferences": [{"channel": "pigeon"}]}, format="json")
    assert bad.status_code == 400


def test_options_on_the_preferences_describes_the_put_body(world, api_as):  # type: ignore[no-untyped-def]
    # DRF's metadata looked the object up by a `pk` the route does not have: a 500
    answer = api_as(world.company).options("/api/v1/notifications/preferences/")
    assert answer.status_code == 200
    assert {"quiet_start", "quiet_end", "preferences"} <= set(answer.json()["actions"]["PUT"])
