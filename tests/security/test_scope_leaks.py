"""Regressions for what the access matrix found: an object named in a request body outside
the caller's scope must answer exactly like one that does not exist (404), never 403 or 400,
which would tell the caller that the id belongs to someone."""

from __future__ import annotations

import pytest

from servicedesk.models import User
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

MISSING = 987654321


def test_a_ticket_for_a_missing_enterprise_answers_like_one_outside_the_scope(world, api_as):
    body = {"title": "t", "description": "d", "kind": "help", "service_item": world.item.code}
    for who, outside in (
        (world.company, world.other_enterprise),
        (world.chief, world.other_enterprise),
        (world.other_park_manager, world.enterprise),
    ):
        client = api_as(who)
        hidden = client.post("/api/v1/tickets/", {**body, "enterprise": outside.pk}, format="json")
        missing = client.post("/api/v1/tickets/", {**body, "enterprise": MISSING}, format="json")
        assert hidden.status_code == missing.status_code == 404, (who, hidden.json(), missing.json())
        assert hidden.json() == missing.json()
    assert Ticket.objects.count() == 0


def test_a_user_for_an_enterprise_of_another_park_answers_like_a_missing_one(world, api_as):
    client = api_as(world.other_park_manager)
    body = {"username": "new-user", "password": "a-long-and-unusual-passphrase", "role": "enterprise"}
    hidden = client.post("/api/v1/users/", {**body, "enterprise": world.enterprise.pk}, format="json")
    missing = client.post("/api/v1/users/", {**body, "enterprise": MISSING}, format="json")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert not User.objects.filter(username="new-user").exists()
    # in scope it works
    own = api_as(world.park_manager).post("/api/v1/users/", {**body, "enterprise": world.enterprise.pk}, format="json")
    assert own.status_code == 201, own.json()


def test_format_suffix_paths_are_not_routes(world, api_as, file_ticket):
    """Found: `/tickets/7/events.json` reached the action with a `format` argument it does not
    take, a 500. Suffix routes are gone: a plain JSON 404, for everyone alike."""
    tid = file_ticket()["id"]
    for path in (f"/api/v1/tickets/{tid}.json", f"/api/v1/tickets/{tid}/events.json", "/api/v1/tickets.json"):
        for who in (world.company, world.other_company):
            response = api_as(who).get(path)
            assert response.status_code == 404, path
            assert response.json()["code"] == "not_found"
    assert api_as(world.company).get(f"/api/v1/tickets/{tid}/events/", {"format": "json"}).status_code == 200
