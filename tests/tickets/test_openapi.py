"""The OpenAPI document is valid, warning-free, and lists every ticket endpoint."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

TICKET_ACTIONS = [
    "accept",
    "return",
    "reply",
    "note",
    "transfer",
    "assist",
    "suspend",
    "resume",
    "resolve",
    "withdraw",
    "rate",
    "reopen",
    "extend",
    "events",
    "attachments",
]


def test_the_schema_is_served_to_signed_in_users(world, api_as):
    response = api_as(world.company).get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "/api/v1/tickets/" in paths
    assert "/api/v1/tickets/{id}/" in paths
    for action in TICKET_ACTIONS:
        assert f"/api/v1/tickets/{{id}}/{action}/" in paths, action
    assert "/api/v1/tickets/{id}/attachments/{attachment_id}/" in paths
    assert "/api/v1/extensions/{id}/approve/" in paths
    assert "/api/v1/extensions/{id}/reject/" in paths
    assert "/api/v1/assists/{id}/answer/" in paths
    params = {p["name"] for p in paths["/api/v1/tickets/"]["get"]["parameters"]}
    wanted = {"status", "priority", "assignee", "owner", "enterprise", "service_item", "park", "overdue",
              "created_after", "created_before", "search", "ordering", "page", "page_size"}  # fmt: skip
    assert wanted <= params
    upload = paths["/api/v1/tickets/{id}/attachments/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "413" in upload["responses"]


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    document = yaml.safe_load(target.read_text())
    assert document["openapi"].startswith("3.")


def test_the_docs_page_renders(world, api_as):
    response = api_as(world.company).get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
