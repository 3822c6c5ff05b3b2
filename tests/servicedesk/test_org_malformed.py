"""Malformed bodies on every write endpoint of the organisation API: always a 400, never a
500, and nothing created or changed.

Each endpoint gets a valid body; then every field in turn is replaced by each bad value
(wrong type, null, unknown id, nested object, 100 000 characters, NUL), and the whole body
by bad JSON text."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.forms.models import model_to_dict

from servicedesk.models import ApiToken, Enterprise, ServiceItem, User
from tests.factories import (
    PASSWORD,
    DepartmentFactory,
    EnterpriseFactory,
    ManagerFactory,
    OfficerFactory,
    ParkFactory,
    ServiceItemFactory,
    credit_code,
)

pytestmark = pytest.mark.django_db

HUGE = "字" * 100_000

# Values that no field of these endpoints accepts (booleans are valid for boolean fields
# and null for nullable ones: those pairs are skipped below).
BAD_VALUES: dict[str, Any] = {
    "null": None,
    "empty list": [],
    "list": [1, "two", {"three": 3}],
    "nested object": {"nested": {"deeper": [1, {"x": None}]}},
    "huge string": HUGE,
    "huge digits": "9" * 6_000,  # more than Python turns into an int, and than any text field holds
    "boolean": True,
    "NUL": "a\x00b",
}
BAD_IDS: dict[str, Any] = {
    "unknown id": 987_654_321,
    "negative id": -1,
    "zero id": 0,
    "float id": 1.5,
    "id as words": "one",
    "id out of range": 10**30,
    "empty id": "",
}
BAD_JSON_TEXT = [
    "{",
    "not json",
    '{"name": "x",}',
    "{'name': 'x'}",
    '{"name": NaN}',
    '{"name": "\\ud800"}',
    "[" * 100_000,
    '{"a":' * 50_000,
    "[]",
    '[{"name": "x"}]',
    '"a string"',
    "42",
    "null",
    "true",
]
BAD_BYTES = [b"\xff\xfe\x00garbage", b"\x00" * 64]


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    park = ParkFactory()
    department = DepartmentFactory(park=park)
    officer = OfficerFactory(department=department)
    deputy = OfficerFactory(department=department)
    enterprise = EnterpriseFactory(park=park, chief_officer=officer)
    item = ServiceItemFactory(code="existing-item", department=department)
    zone_manager = ManagerFactory()
    OfficerFactory(username="signer")
    return SimpleNamespace(
        park=park,
        department=department,
        officer=officer,
        deputy=deputy,
        enterprise=enterprise,
        item=item,
        zone_manager=zone_manager,
    )


def endpoints(w: SimpleNamespace) -> dict[str, dict[str, Any]]:
    """Each write endpoint: method, URL, a valid body, the id fields and the nullable ones."""
    return {
        "token": {
            "method": "post",
            "url": "/api/v1/auth/token/",
            "body": {"username": "signer", "password": PASSWORD},
            "ids": set(),
            "nullable": set(),
            "booleans": set(),
        },
        "user create": {
            "method": "post",
            "url": "/api/v1/users/",
            "body": {
                "username": "new.officer",
                "password": "Lantern-Quarry-7731",
                "role": "officer",
                "department": w.department.pk,
                "display_name": "张三",
                "email": "z@example.com",
                "phone": "13800000000",
                "language": "en",
            },
            "ids": {"department", "enterprise", "park"},
            "nullable": {"enterprise", "park"},
            "booleans": set(),
        },
        "enterprise create": {
            "method": "post",
            "url": "/api/v1/enterprises/",
            "body": {
                "name": "郑州益辉食品有限公司",
                "credit_code": credit_code(777),
                "park": w.park.pk,
                "chief_officer": w.officer.pk,
                "deputy_officer": w.deputy.pk,
                "industry": "食品",
                "address": "经开区第九大街",
                "contact_name": "李四",
                "contact_phone": "0371-0000000",
                "contact_email": "c@example.com",
            },
            "ids": {"park", "chief_officer", "deputy_officer"},
            "nullable": {"deputy_officer"},
            "booleans": set(),
        },
        "enterprise patch": {
            "method": "patch",
            "url": f"/api/v1/enterprises/{w.enterprise.pk}/",
            "body": {
                "name": "新名字",
                "credit_code": credit_code(778),
                "park": w.park.pk,
                "chief_officer": w.officer.pk,
                "deputy_officer": w.deputy.pk,
                "industry": "食品",
                "address": "经开区第九大街",
                "contact_name": "李四",
                "contact_phone": "0371-0000000",
                "contact_email": "c@example.com",
            },
            "ids": {"park", "chief_officer", "deputy_officer"},
            "nullable": {"deputy_officer"},
            "booleans": set(),
        },
        "service item create": {
            "method": "post",
            "url": "/api/v1/service-items/",
            "body": {
                "code": "permit-renewal",
                "name": "许可证延续",
                "name_en": "Permit renewal",
                "description": "说明",
                "department": w.department.pk,
                "accept_limit": "2h",
                "resolve_limit": "5d",
                "clock": "working",
                "is_active": True,
            },
            "ids": {"department"},
            "nullable": set(),
            "booleans": {"is_active"},
        },
        "service item patch": {
            "method": "patch",
            "url": f"/api/v1/service-items/{w.item.code}/",
            "body": {
                "code": "renamed-item",
                "name": "许可证延续",
                "name_en": "Permit renewal",
                "description": "说明",
                "department": w.department.pk,
                "accept_limit": "2h",
                "resolve_limit": "5d",
                "clock": "natural",
                "is_active": False,
            },
            "ids": {"department"},
            "nullable": set(),
            "booleans": {"is_active"},
        },
    }


ENDPOINT_NAMES = [
    "token",
    "user create",
    "enterprise create",
    "enterprise patch",
    "service item create",
    "service item patch",
]


def snapshot() -> dict[str, Any]:
    """Everything the write endpoints could create or change."""
    return {
        "users": sorted(User.objects.values_list("pk", flat=True)),
        "tokens": ApiToken.objects.count(),
        "enterprises": [model_to_dict(e) for e in Enterprise.objects.order_by("pk")],
        "items": [model_to_dict(i) for i in ServiceItem.objects.order_by("pk")],
    }


def send(client, endpoint: dict[str, Any], body: Any = None, *, raw: str | bytes | None = None):  # type: ignore[no-untyped-def]
    cache.clear()  # the token endpoint's throttle would answer 429 after ten tries
    if raw is not None:
        return client.generic(endpoint["method"].upper(), endpoint["url"], raw, content_type="application/json")
    return getattr(client, endpoint["method"])(endpoint["url"], body, format="json")


def test_the_valid_bodies_really_are_valid(api_as, world):
    # the bad-body tests below mutate these bodies, so each must pass on its own
    client = api_as(world.zone_manager)
    for name in ENDPOINT_NAMES:
        endpoint = endpoints(world)[name]
        response = send(client, endpoint, endpoint["body"])
        assert response.status_code in (200, 201), (name, response.json())


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
@pytest.mark.parametrize("kind", list(BAD_VALUES) + list(BAD_IDS))
def test_every_field_refuses_a_bad_value_with_a_400(api_as, world, name, kind):
    # given a valid body for the endpoint
    client = api_as(world.zone_manager)
    endpoint = endpoints(world)[name]
    value = BAD_VALUES.get(kind, BAD_IDS.get(kind))
    before = snapshot()
    answers = {}
    for field in endpoint["body"]:
        if kind in BAD_IDS and field not in endpoint["ids"]:
            continue  # unknown ids are for id fields; the other values go everywhere
        if value in (None, "") and field in endpoint["nullable"]:
            continue  # null, and "" as in a form, clear a nullable id
        if value is True and field in endpoint["booleans"]:
            continue
        # when one field holds the bad value
        body = {**endpoint["body"], field: value}
        response = send(client, endpoint, body)
        answers[field] = response.status_code
        # then the field is named in the error (the token endpoint says only "wrong credentials")
        if response.status_code == 400 and name != "token":
            assert field in response.json(), (field, response.json())
    # then every answer is a 400, and nothing was created or changed
    assert set(answers.values()) <= {400}, answers
    assert snapshot() == before


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
@pytest.mark.parametrize("raw", BAD_JSON_TEXT + BAD_BYTES, ids=lambda raw: repr(raw[:30]))
def test_bad_json_text_is_a_400(api_as, world, name, raw):
    # given a body that is not a JSON object, sent as application/json
    endpoint = endpoints(world)[name]
    before = snapshot()
    # when it is posted
    response = send(api_as(world.zone_manager), endpoint, raw=raw)
    # then it is a 400 and nothing changes
    assert response.status_code == 400, response.content[:300]
    assert snapshot() == before


@pytest.mark.parametrize("name", [n for n in ENDPOINT_NAMES if n != "token"])
@pytest.mark.parametrize("number", ["1e400", "-1e400", "1.0", "1e2", "123456789012345678901234567890"])
def test_an_id_written_as_an_odd_json_number_is_a_400(api_as, world, name, number):
    # given a valid body whose id fields, one by one, hold an odd number (1e400 is a float infinity)
    endpoint = endpoints(world)[name]
    client = api_as(world.zone_manager)
    before = snapshot()
    for field in endpoint["ids"]:
        raw = json.dumps({**endpoint["body"], field: "__N__"}).replace('"__N__"', number)
        # when it is sent
        response = send(client, endpoint, raw=raw)
        # then it is a 400 on the field
        assert response.status_code == 400, (field, response.content[:300])
        assert field in response.json()
    # and nothing changes
    assert snapshot() == before


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_a_body_of_nulls_is_a_400(api_as, world, name):
    # given a body with every field null
    endpoint = endpoints(world)[name]
    body = dict.fromkeys(endpoint["body"])
    before = snapshot()
    # when it is sent
    response = send(api_as(world.zone_manager), endpoint, body)
    # then it is a 400 and nothing changes
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("name", ENDPOINT_NAMES)
def test_a_body_of_huge_strings_is_a_400(api_as, world, name):
    # given a body with every field a hundred thousand characters long
    endpoint = endpoints(world)[name]
    body = dict.fromkeys(endpoint["body"], HUGE)
    before = snapshot()
    # when it is sent
    response = send(api_as(world.zone_manager), endpoint, body)
    # then it is a 400 (a 413 when the whole body is over the size limit) and nothing changes
    assert response.status_code in (400, 413)
    assert snapshot() == before


@pytest.mark.parametrize("name", [n for n in ENDPOINT_NAMES if "create" in n or n == "token"])
def test_an_empty_object_is_a_400_naming_the_required_fields(api_as, world, name):
    endpoint = endpoints(world)[name]
    before = snapshot()
    response = send(api_as(world.zone_manager), endpoint, {})
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("name", [n for n in ENDPOINT_NAMES if n != "token"])
def test_a_wrong_form_body_is_a_400_too(api_as, world, name):
    # given the valid body sent as a form with every id spelled as words
    endpoint = endpoints(world)[name]
    body = {k: ("not-a-number" if k in endpoint["ids"] else v) for k, v in endpoint["body"].items()}
    before = snapshot()
    # when it is sent multipart
    cache.clear()
    response = getattr(api_as(world.zone_manager), endpoint["method"])(endpoint["url"], body, format="multipart")
    # then it is a 400 and nothing changes
    assert response.status_code == 400, response.json()
    assert snapshot() == before


LISTS = ["/api/v1/users/", "/api/v1/parks/", "/api/v1/departments/", "/api/v1/enterprises/", "/api/v1/service-items/"]
FILTERS = ["role", "department", "park", "enterprise", "zone", "chief_officer", "deputy_officer", "clock", "is_active"]
BAD_PARAMS = ["\x00", "1e400", "99999999999999999999999999", "-1", "1.5", "x" * 10_000, "[]", "{}", "'; --"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("value", BAD_PARAMS, ids=lambda v: repr(v[:12]))
def test_lists_answer_garbage_query_parameters_without_a_500(api_as, world, url, value):
    # given every filter, the ordering and the paging parameters set to garbage
    client = api_as(world.zone_manager)
    for param in [*FILTERS, "ordering", "page", "page_size", "search"]:
        # when the list is read with it
        response = client.get(url, {param: value})
        # then the answer is a list, a 400 for a filter value that is not one, or a 404 for a page
        assert response.status_code in (200, 400, 404), (param, response.status_code)
        if param in ("ordering", "page_size", "search"):
            assert response.status_code == 200, param
