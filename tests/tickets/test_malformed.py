"""No request, however malformed, gets a 500 — and a refused request changes nothing.

Every write endpoint gets a batch of bad bodies built from its valid body: each field in turn
replaced by a value of the wrong type, an unknown id or code, a huge string; then bodies that
are not JSON objects at all, and ids in the URL that are not ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from tickets.models import AssistRequest, Attachment, ExtensionRequest, Rating, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

HUGE = "字" * 100_000
ANY_WRONG = [[], ["a"], {"a": 1}, {"nested": {"deeper": [1, 2, {"x": None}]}}, HUGE]
BAD = {
    # kind of field → values that are never acceptable for it
    "text": [123, 1.5, True, None, *ANY_WRONG],
    "id": ["abc", "1e309", "-1", -1, 0, 1.5, "1.5", True, None, 999999, 10**30, "9" * 40, "١٢", *ANY_WRONG],
    "code": ["nope", 123, True, None, *ANY_WRONG],
    "choice": ["nope", 1, True, None, *ANY_WRONG],
    "score": ["abc", "1e309", 0, 6, -1, 10**30, 2.5, None, *ANY_WRONG],
    "datetime": ["yesterday", "2026-13-45T99:99:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                 "2300-01-01T00:00:00+08:00", 12345, None, *ANY_WRONG],
}  # fmt: skip
# raw request bodies sent as application/json
BAD_JSON = [
    "{bad json",
    '{"a": 1,}',
    "[1, 2, 3]",
    "42",
    '"a string"',
    "null",
    "true",
    '{"score": NaN}',
    '{"score": Infinity}',
    '{"score": 1e309, "department": 1e309, "to_officer": 1e309}',
    "[" * 100_000 + "]" * 100_000,
    '{"a": ' * 5000 + "1" + "}" * 5000,
]
BAD_BYTES = [b"\xff\xfe\x00{", b"\xc3\x28", '{"body": "\ud800"}'.encode("utf-8", "surrogatepass")]
BAD_URL_IDS = ["abc", "1e309", "-1", "0", "1.5", "99999999999999999999", "%00", "١"]


@dataclass
class Endpoint:
    name: str
    url: str  # with {id}
    actor: str
    valid: dict[str, Any]
    fields: dict[str, str]  # field → kind; optional fields where blank is fine are absent
    id_of: str = "ticket"
    optional: tuple[str, ...] = ()


def endpoints(world: Any, ids: dict[str, int]) -> list[Endpoint]:
    t = "/api/v1/tickets/{id}"
    when = "2026-12-01T10:00:00+08:00"
    return [
        Endpoint(
            "create",
            "/api/v1/tickets/",
            "company",
            {"title": "t", "description": "d", "kind": "help", "service_item": world.item.code, "priority": "normal"},
            {"title": "text", "description": "text", "kind": "choice", "service_item": "code", "priority": "choice"},
            optional=("priority",),
        ),
        Endpoint(
            "create-on-behalf",
            "/api/v1/tickets/",
            "chief",
            {
                "title": "t",
                "description": "d",
                "kind": "help",
                "service_item": world.item.code,
                "enterprise": world.enterprise.pk,
                "channel": "visit",
            },
            {"enterprise": "id", "channel": "choice"},
            optional=("channel",),
        ),
        Endpoint("accept", t + "/accept/", "chief", {}, {}),
        Endpoint("return", t + "/return/", "chief", {"reason": "r"}, {"reason": "text"}),
        Endpoint("reply", t + "/reply/", "chief", {"body": "b"}, {"body": "text"}),
        Endpoint("note", t + "/note/", "chief", {"body": "b"}, {"body": "text"}),
        Endpoint(
            "transfer-officer",
            t + "/transfer/",
            "chief",
            {"to_officer": world.deputy.pk, "reason": "r"},
            {"to_officer": "id", "reason": "text"},
        ),
        Endpoint(
            "transfer-department",
            t + "/transfer/",
            "chief",
            {"to_department": world.power_dept.pk, "reason": "r"},
            {"to_department": "id"},
        ),
        Endpoint(
            "assist",
            t + "/assist/",
            "chief",
            {"department": world.power_dept.pk, "request": "r"},
            {"department": "id", "request": "text"},
        ),
        Endpoint("suspend", t + "/suspend/", "chief", {"reason": "r"}, {"reason": "text"}),
        Endpoint("resume", t + "/resume/", "chief", {}, {}),
        Endpoint("resolve", t + "/resolve/", "chief", {"resolution": "r"}, {"resolution": "text"}),
        Endpoint("withdraw", t + "/withdraw/", "company", {"reason": "r"}, {}),
        Endpoint(
            "rate",
            t + "/rate/",
            "company",
            {"score": 5, "comment": "c"},
            {"score": "score", "comment": "text"},
            optional=("comment",),
        ),
        Endpoint("reopen", t + "/reopen/", "company", {"reason": "r"}, {"reason": "text"}),
        Endpoint(
            "extend",
            t + "/extend/",
            "chief",
            {"new_resolve_due_at": when, "reason": "r"},
            {"new_resolve_due_at": "datetime", "reason": "text"},
        ),
        Endpoint("approve", "/api/v1/extensions/{id}/approve/", "park_manager", {}, {}, "extension"),
        Endpoint(
            "reject",
            "/api/v1/extensions/{id}/reject/",
            "park_manager",
            {"reason": "r"},
            {"reason": "text"},
            "extension",
        ),
        Endpoint(
            "answer", "/api/v1/assists/{id}/answer/", "power_officer", {"answer": "a"}, {"answer": "text"}, "assist"
        ),
    ]


def bad_bodies(endpoint: Endpoint) -> Iterator[tuple[str, dict[str, Any]]]:
    for field, kind in endpoint.fields.items():
        for value in BAD[kind]:
            yield f"{field}={str(value)[:30]!r}", {**endpoint.valid, field: value}
        if field not in endpoint.optional:
            yield f"{field} missing", {k: v for k, v in endpoint.valid.items() if k != field}


@pytest.fixture
def setup(world, api_as, file_ticket):  # type: ignore[no-untyped-def]
    """An accepted ticket with a pending extension and an open assist request."""
    tid = file_ticket()["id"]
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{tid}/accept/").status_code == 200
    ext = chief.post(
        f"/api/v1/tickets/{tid}/extend/", {"new_resolve_due_at": "2026-11-30T10:00:00+08:00", "reason": "r"}
    )
    assist = chief.post(f"/api/v1/tickets/{tid}/assist/", {"department": world.power_dept.pk, "request": "r"})
    assert ext.status_code == assist.status_code == 201
    return {"ticket": tid, "extension": ext.json()["id"], "assist": assist.json()["id"]}


def _state() -> tuple[Any, ...]:
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        Attachment.objects.count(),
        Rating.objects.count(),
        list(Ticket.objects.order_by("id").values_list("status", "assignee_id", "department_id", "resolve_due_at")),
        list(ExtensionRequest.objects.order_by("id").values_list("status", flat=True)),
        list(AssistRequest.objects.order_by("id").values_list("answered_at", flat=True)),
    )


def _client(world: Any, who: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(getattr(world, who))
    client.raise_request_exception = False
    return client


def _check(failures: list[str], label: str, response: Any) -> None:
    if response.status_code not in (400, 404, 409, 413, 415):
        failures.append(f"{label}: {response.status_code} {response.content[:200]!r}")


ENDPOINT_NAMES = [
    "create",
    "create-on-behalf",
    "accept",
    "return",
    "reply",
    "note",
    "transfer-officer",
    "transfer-department",
    "assist",
    "suspend",
    "resume",
    "resolve",
    "withdraw",
    "rate",
    "reopen",
    "extend",
    "approve",
    "reject",
    "answer",
]


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_bad_bodies_are_4xx_and_change_nothing(world, setup, name):
    endpoint = next(e for e in endpoints(world, setup) if e.name == name)
    client = _client(world, endpoint.actor)
    url = endpoint.url.format(id=setup[endpoint.id_of])
    before = _state()
    failures: list[str] = []
    for label, body in bad_bodies(endpoint):
        _check(failures, f"json {label}", client.post(url, body, format="json"))
    for raw in BAD_JSON:
        if not endpoint.fields and raw.startswith('{"score": 1e309'):
            continue  # a well-formed object: an action without fields ignores its keys
        _check(failures, f"raw {raw[:30]!r}", client.generic("POST", url, raw, content_type="application/json"))
    for raw_bytes in BAD_BYTES:
        response = client.generic("POST", url, raw_bytes, content_type="application/json")
        _check(failures, f"bytes {raw_bytes!r}", response)
    _check(failures, "text/plain", client.generic("POST", url, "body=x", content_type="text/plain"))
    _check(failures, "xml", client.generic("POST", url, "<a/>", content_type="application/xml"))
    if endpoint.fields:
        _check(failures, "empty body", client.post(url, {}, format="json"))
        _check(failures, "form with nothing", client.post(url, {"unrelated": "x"}, format="multipart"))
    assert failures == []
    assert _state() == before


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_ids_in_the_url_that_are_not_ids_are_404(world, setup, name):
    endpoint = next(e for e in endpoints(world, setup) if e.name == name)
    if "{id}" not in endpoint.url:
        pytest.skip("no id in the URL")
    client = _client(world, endpoint.actor)
    before = _state()
    failures: list[str] = []
    for bad in BAD_URL_IDS:
        response = client.post(endpoint.url.replace("{id}", bad), endpoint.valid, format="json")
        if response.status_code != 404:
            failures.append(f"{bad}: {response.status_code} {response.content[:200]!r}")
    assert failures == []
    assert _state() == before


def test_reads_with_ids_that_are_not_ids_are_404(world, setup):
    client = _client(world, "chief")
    failures = []
    for bad in BAD_URL_IDS:
        for url in (
            f"/api/v1/tickets/{bad}/",
            f"/api/v1/tickets/{bad}/events/",
            f"/api/v1/tickets/{bad}/attachments/",
            f"/api/v1/tickets/{setup['ticket']}/attachments/{bad}/",
            f"/api/v1/extensions/{bad}/",
            f"/api/v1/assists/{bad}/",
        ):
            response = client.get(url)
            if response.status_code != 404:
                failures.append(f"{url}: {response.status_code}")
    assert failures == []


def test_bad_uploads_are_4xx(world, setup):
    client = _client(world, "chief")
    url = f"/api/v1/tickets/{setup['ticket']}/attachments/"
    before = _state()
    failures: list[str] = []
    _check(failures, "json body", client.post(url, {"file": "not a file"}, format="json"))
    _check(failures, "no file", client.post(url, {"public": "yes"}, format="multipart"))
    _check(failures, "file as text", client.post(url, {"file": "abc"}, format="multipart"))
    _check(
        failures,
        "broken multipart",
        client.generic("POST", url, b"--x\r\nnonsense", content_type="multipart/form-data; boundary=x"),
    )
    _check(failures, "no boundary", client.generic("POST", url, b"abc", content_type="multipart/form-data"))
    assert failures == []
    assert _state() == before


def test_a_raw_json_body_with_infinity_is_400(world, setup):
    """Python's json module reads 1e309 as infinity: it must not reach a query."""
    client = _client(world, "company")
    body = json.dumps({"title": "t", "description": "d", "kind": "help", "service_item": world.item.code})
    body = body[:-1] + ', "enterprise": 1e309}'
    response = client.generic("POST", "/api/v1/tickets/", body, content_type="application/json")
    assert response.status_code == 400, response.content
