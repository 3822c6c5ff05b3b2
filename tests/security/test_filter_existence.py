"""A filter by another row's id answers alike for a row that does not exist and for one
outside the caller's scope: both an empty page, never "Select a valid choice" for one and an
empty 200 for the other (which would tell an outsider which ids exist)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from visits.models import Visit

pytestmark = pytest.mark.django_db

MISSING = 999_999


def _answers(client, path, name, existing):  # type: ignore[no-untyped-def]
    out = client.get(path, {name: existing})
    missing = client.get(path, {name: MISSING})
    return out, missing


@pytest.mark.parametrize(
    ("caller", "path", "name", "target"),
    [
        ("company", "/api/v1/users/", "enterprise", "other_enterprise"),
        ("chief", "/api/v1/users/", "enterprise", "other_enterprise"),
        ("chief", "/api/v1/users/", "park", "other_park"),
        ("park_manager", "/api/v1/enterprises/", "chief_officer", "other_officer"),
        ("park_manager", "/api/v1/enterprises/", "park", "other_park"),
        ("chief", "/api/v1/visits/", "officer", "other_officer"),
        ("chief", "/api/v1/visits/", "enterprise", "other_enterprise"),
    ],
)
def test_an_outside_id_and_a_missing_id_look_alike(world, api_as, caller, path, name, target):  # type: ignore[no-untyped-def]
    now = timezone.now()
    Visit.objects.create(
        enterprise=world.other_enterprise, officer=world.other_officer, visited_at=now, summary="走访", created_at=now
    )
    client = api_as(getattr(world, caller))
    outside, missing = _answers(client, path, name, getattr(world, target).pk)
    assert outside.status_code == missing.status_code == 200, (outside.content, missing.content)
    assert outside.json()["count"] == missing.json()["count"] == 0


@pytest.mark.parametrize("value", ["abc", "0", "-3", str(2**63)])
def test_a_malformed_id_is_a_400_naming_the_filter(world, api_as, value):  # type: ignore[no-untyped-def]
    response = api_as(world.park_manager).get("/api/v1/enterprises/", {"chief_officer": value})
    assert response.status_code == 400
    assert "chief_officer" in str(response.json())


def test_the_filter_still_filters_in_scope(world, api_as):  # type: ignore[no-untyped-def]
    client = api_as(world.park_manager)
    mine = client.get("/api/v1/enterprises/", {"chief_officer": world.chief.pk}).json()
    assert [row["id"] for row in mine["results"]] == [world.enterprise.pk]
    users = client.get("/api/v1/users/", {"enterprise": world.enterprise.pk}).json()
    assert {row["id"] for row in users["results"]} == {world.company.pk}
