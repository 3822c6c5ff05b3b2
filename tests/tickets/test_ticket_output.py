"""TicketOutput's own representation loop returns exactly what DRF's generic one does."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from tickets import selectors
from tickets import serializers as s
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _generic(serializer: s.TicketOutput, ticket: Ticket) -> dict:  # type: ignore[type-arg]
    return dict(serializers.ModelSerializer.to_representation(serializer, ticket))


def test_the_fast_representation_equals_drfs_for_every_viewer(world, file_ticket, api_as):  # type: ignore[no-untyped-def]
    first = file_ticket()
    file_ticket(priority="urgent", title="加急")
    api_as(world.chief).post(f"/api/v1/tickets/{first['id']}/accept/", {}, format="json")
    api_as(world.chief).post(f"/api/v1/tickets/{first['id']}/resolve/", {"resolution": "已办结"}, format="json")
    api_as(world.company).post(f"/api/v1/tickets/{first['id']}/rate/", {"score": 4}, format="json")
    viewers = [world.company, world.chief, world.deputy, world.park_manager, world.zone_manager, world.admin]
    for user in viewers:
        request = APIRequestFactory().get("/api/v1/tickets/")
        force_authenticate(request, user=user)
        request.user = user
        tickets = list(selectors.ticket_api_list_for(user))
        assert tickets, user
        serializer = s.TicketOutput(context={"request": request})
        for ticket in tickets:
            fast = serializer.to_representation(ticket)
            assert fast == _generic(serializer, ticket), (user, ticket.pk)
            assert list(fast) == s.TicketOutput.Meta.fields
    assert Ticket.objects.get(pk=first["id"]).rating == 4  # a rated, closed ticket was among them


def test_the_list_rows_render_what_the_serializer_renders(world, file_ticket, api_as):  # type: ignore[no-untyped-def]
    """The list renders `values_list` rows (`ticket_rows`), not instances: the same dicts,
    allowed actions included, for every viewer and in every time zone."""
    from django.utils import timezone

    first = file_ticket()
    file_ticket(priority="urgent", title="加急")
    api_as(world.chief).post(f"/api/v1/tickets/{first['id']}/accept/", {}, format="json")
    viewers = [world.company, world.chief, world.deputy, world.park_manager, world.zone_manager, world.admin]
    for zone in ("Asia/Shanghai", "UTC"):
        with timezone.override(zone):
            for user in viewers:
                request = APIRequestFactory().get("/api/v1/tickets/")
                force_authenticate(request, user=user)
                request.user = user
                scope = selectors.ticket_api_list_for(user).order_by("pk")
                rows = s.ticket_rows(scope.values_list(*s.ticket_row_columns()), request)
                expected = [dict(s.TicketOutput(t, context={"request": request}).data) for t in scope]
                assert rows == expected, (zone, user)
                assert any(row["allowed_actions"] for row in rows), user
    anonymous = APIRequestFactory().get("/api/v1/tickets/")
    rows = s.ticket_rows(Ticket.objects.values_list(*s.ticket_row_columns()), anonymous)
    assert rows and all(row["allowed_actions"] == [] for row in rows)


def test_the_fast_representation_handles_empty_values(world, file_ticket):  # type: ignore[no-untyped-def]
    ticket = Ticket.objects.select_related("enterprise", "service_item").get(pk=file_ticket()["id"])
    ticket.assignee_id = None
    ticket.department_id = None
    ticket.resolution = ""
    serializer = s.TicketOutput(context={})
    fast = serializer.to_representation(ticket)
    assert fast == _generic(serializer, ticket)
    assert fast["assignee"] is None and fast["allowed_actions"] == []


def test_the_fast_representation_follows_the_active_time_zone(world, file_ticket):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    ticket = Ticket.objects.select_related("enterprise", "service_item").get(pk=file_ticket()["id"])
    for zone in ("UTC", "Asia/Shanghai", "America/New_York"):
        with timezone.override(zone):
            serializer = s.TicketOutput(context={})
            fast = serializer.to_representation(ticket)
            assert fast == _generic(serializer, ticket), zone
    with timezone.override("UTC"):
        assert s.TicketOutput(context={}).to_representation(ticket)["created_at"].endswith("Z")


@pytest.mark.parametrize("who", ["company", "chief", "deputy", "park_manager", "zone_manager", "admin"])
def test_the_creation_response_equals_a_fresh_read(world, api_as, who):  # type: ignore[no-untyped-def]
    """Creation renders the ticket it just wrote (no re-read when the scope certainly holds
    it): the body must be what a GET of the same ticket returns."""
    user = getattr(world, who)
    body = {"title": "  用电报装 ", "description": "新厂房", "kind": "help", "service_item": world.item.code}
    if who != "company":
        body["enterprise"] = world.enterprise.pk
    created = api_as(user).post("/api/v1/tickets/", body, format="json")
    assert created.status_code == 201, created.json()
    read = api_as(user).get(f"/api/v1/tickets/{created.json()['id']}/")
    assert read.status_code == 200
    assert created.json() == read.json()


def test_list_filters_do_not_apply_to_one_ticket(world, file_ticket, api_as):  # type: ignore[no-untyped-def]
    """?status=… filters the list; a ticket by id is found in the caller's scope alone (and
    stays a 404 outside it)."""
    ticket = file_ticket()
    company = api_as(world.company)
    assert company.get("/api/v1/tickets/?status=closed").json()["count"] == 0
    assert company.get(f"/api/v1/tickets/{ticket['id']}/?status=closed").status_code == 200
    assert company.get(f"/api/v1/tickets/{ticket['id']}/events/?status=closed").status_code == 200
    assert api_as(world.other_company).get(f"/api/v1/tickets/{ticket['id']}/").status_code == 404
