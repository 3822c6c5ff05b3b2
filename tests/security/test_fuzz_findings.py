"""Regressions for what the fuzzer found, one test each."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tickets/-3.6e-124/"),  # an id the router's pattern does not take
        ("post", "/api/v1/tickets/a.b/accept/"),
        ("post", "/api/v1/tickets/1/accept"),  # no trailing slash: no redirect that drops the body
        ("patch", "/api/v1/service-items/%20/"),
        ("get", "/api/v1/no-such-endpoint/"),
        ("delete", "/api/v2/"),
        ("get", "/api/v1/tickets/1/attachments/%17%0A/"),  # a newline in the path
        ("post", "/api/v1/tickets/%0A/accept/"),
    ],
)
def test_a_path_under_api_that_names_no_endpoint_is_a_json_404(world, api_as, method, path):
    """Found: Django's HTML 404 page, and for a POST the HTML CSRF failure page (403)."""
    response = getattr(api_as(world.company), method)(path, {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    anonymous = getattr(APIClient(enforce_csrf_checks=True), method)(path, {}, format="json")
    assert anonymous.status_code in (401, 404)  # 401 where the router's pattern takes the id
    assert anonymous["Content-Type"] == "application/json"


def test_pages_outside_the_api_keep_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "json" not in response["Content-Type"]


def test_every_operation_documents_its_error_answers(world, api_as):
    """Found: 400 / 401 / 403 / 404 answers that the schema did not list (most operations)."""
    document = api_as(world.company).get("/api/v1/schema/", {"format": "json"}).json()
    assert "Error" in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"400", "404", "429"} <= codes, (method, path, codes)
            if path != "/api/v1/auth/token/":
                assert {"401", "403"} <= codes, (method, path, codes)
            if method in ("post", "put", "patch"):
                assert "409" in codes, (method, path, codes)
            for code in codes - {"200", "201", "204"}:
                content = operation["responses"][code].get("content", {})
                assert "application/json" in content, (method, path, code)


def test_downloads_document_the_stored_type_not_octet_stream(world, api_as):
    """Found: an attachment is served as its stored type (application/pdf, image/png …) while
    the schema said application/octet-stream."""
    paths = api_as(world.company).get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    ticket = paths["/api/v1/tickets/{id}/attachments/{attachment_id}/"]["get"]["responses"]["200"]["content"]
    photo = paths["/api/v1/visits/{id}/photos/{photo_id}/"]["get"]["responses"]["200"]["content"]
    assert list(ticket) == ["*/*"]
    assert list(photo) == ["image/*"]


def test_reports_document_their_csv_and_xlsx_bodies(world, api_as):
    """Found: `format=csv` answered text/csv (and xlsx a workbook) while the schema said JSON only."""
    paths = api_as(world.company).get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    for level in ("officers", "departments", "parks"):
        content = paths[f"/api/v1/reports/{level}/"]["get"]["responses"]["200"]["content"]
        assert {"application/json", "text/csv", XLSX} <= set(content), (level, list(content))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_400_may_name_a_field_called_code(world, api_as):
    """Found: the 400 schema promised `code` is a string, but the catalogue has a field `code`
    whose errors are a list."""
    client = api_as(world.admin)
    response = client.post("/api/v1/service-items/", {"code": "not a code!", "name": "x"}, format="json")
    assert response.status_code == 400
    assert isinstance(response.json()["code"], list)
    document = client.get("/api/v1/schema/", {"format": "json"}).json()
    bad = document["paths"]["/api/v1/service-items/"]["post"]["responses"]["400"]["content"]["application/json"]
    assert bad["schema"] == {"$ref": "#/components/schemas/FieldErrors"}
    assert "properties" not in document["components"]["schemas"]["FieldErrors"]


@pytest.mark.parametrize("when", ["0137-12-05T01:41:45+23:34", "1899-12-31T23:00:00+08:00"])
def test_a_visit_from_long_ago_is_refused(world, api_as, clock, when):
    """Found: a visit in year 137 was logged (201) and came back as `0137-12-04T10:13:28+08:05:43`,
    an offset in seconds (Shanghai's local mean time) that is no ISO 8601 date-time."""
    body = {"enterprise": world.enterprise.pk, "visited_at": when, "summary": "走访"}
    response = api_as(world.chief).post("/api/v1/visits/", body, format="json")
    assert response.status_code == 400
    assert "visited_at" in response.json()


def test_a_nul_byte_in_a_catalogue_code_is_a_400(world, api_as, clock):
    """Found on PostgreSQL: a service-item code with a NUL byte went into the query, and
    PostgreSQL refuses NUL in text: a 500, when filing a ticket and when logging a visit."""
    ticket = {"title": "t", "description": "d", "kind": "help", "service_item": "power\x00connect"}
    response = api_as(world.company).post("/api/v1/tickets/", ticket, format="json")
    assert response.status_code == 400
    assert "service_item" in response.json()
    visit = {
        "enterprise": world.enterprise.pk,
        "visited_at": "2026-11-16T10:00:00+08:00",
        "summary": "走访",
        "problems": [{"description": "d", "to_ticket": True, "service_item": "x\x00"}],
    }
    response = api_as(world.chief).post("/api/v1/visits/", visit, format="json")
    assert response.status_code == 400
    assert "problems" in response.json()
