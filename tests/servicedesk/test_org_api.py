"""The organisation API: token, users, parks, departments, enterprises, service items.

Every role goes through APIClient; scope is checked on lists (what is in them) and on single
objects (404 outside the scope, 403 inside it for the wrong role)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from servicedesk import services
from servicedesk.api import views as org_views
from servicedesk.errors import Forbidden
from servicedesk.models import ApiToken, Enterprise, ServiceItem, User
from tests.factories import (
    PASSWORD,
    AdminFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    ManagerFactory,
    OfficerFactory,
    ParkFactory,
    ServiceItemFactory,
    UserFactory,
    credit_code,
)

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
STRONG_PASSWORD = "Lantern-Quarry-7731"


@pytest.fixture
def org():  # type: ignore[no-untyped-def]
    """Two parks, a department in each and a zone-wide one, officers, four enterprises and
    one person of every role and scope.

    | enterprise | park | chief     | deputy     |
    |------------|------|-----------|------------|
    | ent_1      | A    | officer_a | –          |
    | ent_2      | A    | officer_b | officer_a2 |
    | ent_3      | B    | officer_b | –          |
    | ent_4      | B    | officer_z | officer_a  |
    """
    park_a = ParkFactory(name="园区A")
    park_b = ParkFactory(name="园区B")
    dept_a = DepartmentFactory(park=park_a, name="部门A")
    dept_b = DepartmentFactory(park=park_b, name="部门B")
    dept_zone = DepartmentFactory(park=None, name="全区部门")
    officer_a = OfficerFactory(department=dept_a)
    officer_a2 = OfficerFactory(department=dept_a)
    officer_b = OfficerFactory(department=dept_b)
    officer_z = OfficerFactory(department=dept_zone)
    ent_1 = EnterpriseFactory(name="ent_1", park=park_a, chief_officer=officer_a)
    ent_2 = EnterpriseFactory(name="ent_2", park=park_a, chief_officer=officer_b, deputy_officer=officer_a2)
    ent_3 = EnterpriseFactory(name="ent_3", park=park_b, chief_officer=officer_b)
    ent_4 = EnterpriseFactory(name="ent_4", park=park_b, chief_officer=officer_z, deputy_officer=officer_a)
    return SimpleNamespace(
        park_a=park_a,
        park_b=park_b,
        dept_a=dept_a,
        dept_b=dept_b,
        dept_zone=dept_zone,
        officer_a=officer_a,
        officer_a2=officer_a2,
        officer_b=officer_b,
        officer_z=officer_z,
        ent_1=ent_1,
        ent_2=ent_2,
        ent_3=ent_3,
        ent_4=ent_4,
        ent_user_1=EnterpriseUserFactory(enterprise=ent_1),
        ent_user_3=EnterpriseUserFactory(enterprise=ent_3),
        park_a_manager=ManagerFactory(park=park_a),
        park_b_manager=ManagerFactory(park=park_b),
        dept_a_head=ManagerFactory(department=dept_a),
        zone_manager=ManagerFactory(),
        admin=AdminFactory(),
        admin_role=UserFactory(role=User.Role.ADMIN, username="admin-by-role"),
    )


def enterprise_body(org: SimpleNamespace, n: int = 9001, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "郑州益辉食品有限公司",
        "credit_code": credit_code(n),
        "park": org.park_a.pk,
        "chief_officer": org.officer_a.pk,
    }
    body.update(overrides)
    return body


def names(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {row["name"] for row in response.json()["results"]}


# --- token -----------------------------------------------------------------------------


def test_token_with_the_right_password_is_returned_and_opens_users_me(api):
    # given a user with a known password
    user = OfficerFactory(username="wang.wei")
    # when they exchange it for a token
    response = api.post(TOKEN_URL, {"username": "wang.wei", "password": PASSWORD}, format="json")
    # then they get a token that opens /users/me/
    assert response.status_code == 200, response.json()
    token = response.json()["token"]
    assert set(response.json()) == {"token", "expires"}
    assert ApiToken.objects.get(user=user).digest == ApiToken.digest_of(token)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/users/me/")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk
    assert me.json()["username"] == "wang.wei"
    assert me.json()["role"] == "officer"


def test_a_second_login_issues_a_second_token_and_both_work(api):
    # given a user who has a token already (on one device)
    OfficerFactory(username="li.na")
    first = api.post(TOKEN_URL, {"username": "li.na", "password": PASSWORD}, format="json").json()["token"]
    # when they sign in again (on another)
    second = api.post(TOKEN_URL, {"username": "li.na", "password": PASSWORD}, format="json").json()["token"]
    # then it is a token of its own, and both open the API
    assert first != second
    for key in (first, second):
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/v1/users/me/").status_code == 200


def test_token_is_also_accepted_from_a_form(api):
    # given a user
    OfficerFactory(username="form.user")
    # when the credentials come form-encoded
    response = api.post(TOKEN_URL, {"username": "form.user", "password": PASSWORD})
    # then they are read as well
    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "zhao.lei", "password": "wrong-password"},
        {"username": "nobody-by-that-name", "password": PASSWORD},
        {"username": "ZHAO.LEI", "password": PASSWORD.upper()},
        {"username": "zhao.lei", "password": PASSWORD + " "},
    ],
    ids=["wrong password", "unknown user", "password in the wrong case", "trailing space"],
)
def test_token_with_wrong_credentials_is_400_with_a_message(api, credentials):
    # given a user
    OfficerFactory(username="zhao.lei")
    # when someone signs in with credentials that do not match
    response = api.post(TOKEN_URL, credentials, format="json")
    # then it is a 400 with a message, and no token is made
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("typed", ["ZHAO.LEI", "Zhao.Lei", "zhao.lei"])
def test_token_ignores_the_case_of_the_username(api, typed):
    # given a user whose name was written in another case than they type it
    user = OfficerFactory(username="Zhao.lei")
    # when they sign in
    response = api.post(TOKEN_URL, {"username": typed, "password": PASSWORD}, format="json")
    # then it is their token
    assert response.status_code == 200, response.json()
    assert ApiToken.objects.get(user=user).digest == ApiToken.digest_of(response.json()["token"])


def test_token_is_refused_to_an_inactive_user(api):
    # given a user whose account was switched off
    OfficerFactory(username="gone", is_active=False)
    # when they sign in with the right password
    response = api.post(TOKEN_URL, {"username": "gone", "password": PASSWORD}, format="json")
    # then it is refused like a wrong password
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        "{}",
        '{"username": "x"}',
        '{"password": "x"}',
        '{"username": null, "password": null}',
        '{"username": "", "password": ""}',
        '{"username": ["x"], "password": "x"}',
        '{"username": {"nested": {"x": 1}}, "password": "x"}',
        '{"username": true, "password": "x"}',
        "[]",
        '[{"username": "x", "password": "y"}]',
        '"username"',
        "42",
        "null",
        "not json at all",
        '{"username": "x", "password": ',
        '{"username": NaN, "password": "x"}',
        "[" * 50_000,
    ],
    ids=lambda raw: raw[:40],
)
def test_token_with_a_malformed_body_is_400(api, raw):
    # given a user
    OfficerFactory(username="x")
    # when the body is malformed
    response = api.generic("POST", TOKEN_URL, raw, content_type="application/json")
    # then it is a 400, never a 500
    assert response.status_code == 400, response.content[:200]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("field", ["username", "password"])
def test_token_with_a_huge_string_is_400(api, field):
    # given a user
    OfficerFactory(username="x")
    body = {"username": "x", "password": PASSWORD, field: "密" * 100_000}
    # when one field is a hundred thousand characters long
    response = api.post(TOKEN_URL, body, format="json")
    # then it is a 400 naming the field, and nothing is hashed
    assert response.status_code == 400
    assert field in response.json()


def test_token_with_a_body_that_is_not_json_is_refused_with_a_4xx(api):
    # when the body is plain text
    response = api.generic("POST", TOKEN_URL, "username=x&password=y", content_type="text/plain")
    # then the media type is refused, not a 500
    assert response.status_code == 415


def test_token_the_eleventh_attempt_in_a_minute_is_throttled(api, settings):
    settings.AXES_ENABLED = False  # the throttle alone; the lockout: tests/security/test_lockout.py
    # given a user and ten failed attempts in a minute
    OfficerFactory(username="target")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
        for _ in range(10):
            response = api.post(TOKEN_URL, {"username": "target", "password": "guess"}, format="json")
            assert response.status_code == 400
        # when the eleventh comes, even with the right password
        response = api.post(TOKEN_URL, {"username": "target", "password": PASSWORD}, format="json")
        # then it is throttled and says when to come back
        assert response.status_code == 429
        assert int(response["Retry-After"]) <= 60
        assert not ApiToken.objects.exists()
        # and a minute later the door opens again
        traveller.shift(dt.timedelta(seconds=61))
        response = api.post(TOKEN_URL, {"username": "target", "password": PASSWORD}, format="json")
        assert response.status_code == 200


def test_token_throttle_cannot_be_dodged_with_a_forged_forwarded_for_header(api, settings):
    settings.AXES_ENABLED = False  # the throttle alone; the lockout: tests/security/test_lockout.py
    # given a guesser who writes a new X-Forwarded-For on every attempt
    OfficerFactory(username="target")
    answers = [
        api.post(
            TOKEN_URL,
            {"username": "target", "password": f"guess-{n}"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"10.0.{n}.1",
        ).status_code
        for n in range(11)
    ]
    # then the eleventh attempt from the same address is still throttled
    assert answers == [400] * 10 + [429]


def test_token_throttle_counts_each_client_address_apart(api):
    # given one address that used up its ten attempts
    OfficerFactory(username="target")
    for _ in range(10):
        api.post(TOKEN_URL, {"username": "target", "password": "x"}, format="json", REMOTE_ADDR="192.0.2.1")
    assert api.post(TOKEN_URL, {}, format="json", REMOTE_ADDR="192.0.2.1").status_code == 429
    # when another address signs in
    response = api.post(TOKEN_URL, {"username": "target", "password": PASSWORD}, format="json", REMOTE_ADDR="192.0.2.2")
    # then it is not held back
    assert response.status_code == 200


def test_token_throttle_behind_a_configured_proxy_uses_the_forwarded_address(api, settings):
    # given one trusted proxy in front of the application
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    OfficerFactory(username="target")
    for _ in range(10):
        api.post(TOKEN_URL, {"username": "target", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.7")
    # when another client comes through the same proxy
    other = api.post(
        TOKEN_URL, {"username": "target", "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.8"
    )
    same = api.post(TOKEN_URL, {}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.7")
    # then each client has its own count
    assert other.status_code == 200
    assert same.status_code == 429


# --- unauthenticated -------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/api/v1/users/"),
    ("get", "/api/v1/users/{user}/"),
    ("get", "/api/v1/users/me/"),
    ("post", "/api/v1/users/"),
    ("get", "/api/v1/parks/"),
    ("get", "/api/v1/parks/{park}/"),
    ("get", "/api/v1/departments/"),
    ("get", "/api/v1/departments/{department}/"),
    ("get", "/api/v1/enterprises/"),
    ("get", "/api/v1/enterprises/{enterprise}/"),
    ("post", "/api/v1/enterprises/"),
    ("patch", "/api/v1/enterprises/{enterprise}/"),
    ("get", "/api/v1/service-items/"),
    ("get", "/api/v1/service-items/{item}/"),
    ("post", "/api/v1/service-items/"),
    ("patch", "/api/v1/service-items/{item}/"),
    ("options", "/api/v1/enterprises/"),
]


def _fill(path: str) -> str:
    enterprise = EnterpriseFactory()
    item = ServiceItemFactory()
    return path.format(
        user=enterprise.chief_officer.pk,
        park=enterprise.park.pk,
        department=item.department.pk,
        enterprise=enterprise.pk,
        item=item.code,
    )


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=lambda v: v)
def test_unauthenticated_requests_are_401_with_a_token_challenge(api, method, path):
    # given no credentials at all
    url = _fill(path)
    # when any organisation endpoint is called
    response = getattr(api, method)(url, {"name": "x"}, format="json")
    # then it is a 401 that says how to authenticate (not a 403)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS, ids=lambda v: v)
def test_a_wrong_token_is_401(api, method, path):
    # given a token that does not exist
    url = _fill(path)
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    # when any endpoint is called with it
    response = getattr(api, method)(url, {"name": "x"}, format="json")
    # then it is a 401
    assert response.status_code == 401


def test_a_token_of_a_deactivated_user_stops_working(api):
    # given a user with a token
    user = OfficerFactory(username="leaver")
    token = api.post(TOKEN_URL, {"username": "leaver", "password": PASSWORD}, format="json").json()["token"]
    # when the account is switched off
    user.is_active = False
    user.save()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # then the token no longer opens anything
    assert api.get("/api/v1/users/me/").status_code == 401


# --- enterprises: scoped reads ---------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("ent_user_1", {"ent_1"}),
        ("ent_user_3", {"ent_3"}),
        ("officer_a", {"ent_1", "ent_4"}),
        ("officer_a2", {"ent_2"}),
        ("officer_b", {"ent_2", "ent_3"}),
        ("officer_z", {"ent_4"}),
        ("park_a_manager", {"ent_1", "ent_2"}),
        ("park_b_manager", {"ent_3", "ent_4"}),
        ("dept_a_head", {"ent_1", "ent_2", "ent_4"}),
        ("zone_manager", {"ent_1", "ent_2", "ent_3", "ent_4"}),
        ("admin", {"ent_1", "ent_2", "ent_3", "ent_4"}),
        ("admin_role", {"ent_1", "ent_2", "ent_3", "ent_4"}),
    ],
)
def test_enterprise_list_is_scoped_to_the_caller(api_as, org, who, expected):
    # given the organisation and one of its people
    user = getattr(org, who)
    # when they list the enterprises
    response = api_as(user).get("/api/v1/enterprises/")
    # then they see exactly the enterprises in their scope, and each detail opens
    assert response.status_code == 200
    assert names(response) == expected
    assert response.json()["count"] == len(expected)
    for name in expected:
        enterprise = getattr(org, name)
        assert api_as(user).get(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("who", "hidden"),
    [
        ("ent_user_1", "ent_2"),
        ("ent_user_1", "ent_3"),
        ("officer_a", "ent_2"),
        ("officer_z", "ent_1"),
        ("park_a_manager", "ent_3"),
        ("dept_a_head", "ent_3"),
    ],
)
def test_an_enterprise_outside_the_scope_is_404_to_read_and_to_patch(api_as, org, who, hidden):
    # given an enterprise outside the caller's scope
    user = getattr(org, who)
    enterprise = getattr(org, hidden)
    # when they read it or try to change it
    read = api_as(user).get(f"/api/v1/enterprises/{enterprise.pk}/")
    patch = api_as(user).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"name": "改名"}, format="json")
    # then both say it does not exist, and nothing changes
    assert read.status_code == 404
    assert patch.status_code == 404
    enterprise.refresh_from_db()
    assert enterprise.name == hidden


def test_an_unknown_enterprise_id_is_404(api_as, org):
    # when a zone manager asks for ids that never existed
    client = api_as(org.zone_manager)
    # then they are 404, however large
    assert client.get("/api/v1/enterprises/999999/").status_code == 404
    assert client.get("/api/v1/enterprises/99999999999999999999999999/").status_code == 404
    assert client.patch("/api/v1/enterprises/999999/", {"name": "x"}, format="json").status_code == 404


def test_enterprise_list_filters_by_park_within_the_scope(api_as, org):
    # when an officer filters their list by a park
    response = api_as(org.officer_a).get("/api/v1/enterprises/", {"park": org.park_b.pk})
    # then they get the enterprises they serve in that park only
    assert names(response) == {"ent_4"}


def test_enterprise_output_has_the_contract_fields(api_as, org):
    # when an enterprise is read
    body = api_as(org.ent_user_1).get(f"/api/v1/enterprises/{org.ent_1.pk}/").json()
    # then it carries the fields of the contract, people by user id
    assert {"id", "name", "credit_code", "park", "chief_officer", "deputy_officer"} <= set(body)
    assert body["chief_officer"] == org.officer_a.pk
    assert body["deputy_officer"] is None
    assert body["park"] == org.park_a.pk


# --- enterprises: writes ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["ent_user_1", "officer_a", "dept_a_head"])
def test_enterprise_users_officers_and_department_heads_may_not_create_enterprises(api_as, org, who):
    # given someone who is not a park or zone manager
    user = getattr(org, who)
    # when they post a valid enterprise
    response = api_as(user).post("/api/v1/enterprises/", enterprise_body(org), format="json")
    # then it is forbidden and nothing is created
    assert response.status_code == 403
    assert Enterprise.objects.count() == 4


@pytest.mark.parametrize(("who", "target"), [("ent_user_1", "ent_1"), ("officer_a", "ent_1"), ("dept_a_head", "ent_2")])
def test_enterprise_patch_inside_the_scope_by_the_wrong_role_is_403(api_as, org, who, target):
    # given an enterprise the caller can see
    user = getattr(org, who)
    enterprise = getattr(org, target)
    # when they try to change it
    response = api_as(user).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"name": "改名"}, format="json")
    # then it is forbidden and unchanged
    assert response.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.name == target


@pytest.mark.parametrize("who", ["park_a_manager", "zone_manager", "admin", "admin_role"])
def test_park_and_zone_managers_and_admins_create_enterprises_in_their_scope(api_as, org, who):
    # given a manager whose scope covers park A
    user = getattr(org, who)
    body = enterprise_body(org, deputy_officer=org.officer_b.pk, industry="食品", contact_email="a@example.com")
    # when they create an enterprise there
    response = api_as(user).post("/api/v1/enterprises/", body, format="json")
    # then it is created with what was sent
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["credit_code"] == body["credit_code"]
    assert created["park"] == org.park_a.pk
    assert created["chief_officer"] == org.officer_a.pk
    assert created["deputy_officer"] == org.officer_b.pk
    enterprise = Enterprise.objects.get(pk=created["id"])
    assert enterprise.industry == "食品"
    # and the creator sees it in their list
    assert api_as(user).get(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 200


def test_an_enterprise_can_be_created_from_a_form(api_as, org):
    # when a zone manager posts a multipart form (ids arrive as text)
    response = api_as(org.zone_manager).post("/api/v1/enterprises/", enterprise_body(org), format="multipart")
    # then the ids are understood
    assert response.status_code == 201, response.json()
    assert response.json()["park"] == org.park_a.pk


def test_a_park_manager_may_not_create_an_enterprise_in_another_park(api_as, org):
    # when the manager of park A creates an enterprise in park B
    response = api_as(org.park_a_manager).post(
        "/api/v1/enterprises/", enterprise_body(org, park=org.park_b.pk), format="json"
    )
    # then it is forbidden and nothing is created
    assert response.status_code == 403
    assert Enterprise.objects.count() == 4


def test_a_park_manager_edits_an_enterprise_of_their_park(api_as, org):
    # when the manager of park A renames an enterprise of park A and changes its deputy
    response = api_as(org.park_a_manager).patch(
        f"/api/v1/enterprises/{org.ent_1.pk}/",
        {"name": "新名字有限公司", "deputy_officer": org.officer_a2.pk},
        format="json",
    )
    # then the change is saved and the rest kept
    assert response.status_code == 200, response.json()
    org.ent_1.refresh_from_db()
    assert org.ent_1.name == "新名字有限公司"
    assert org.ent_1.deputy_officer == org.officer_a2
    assert org.ent_1.chief_officer == org.officer_a


def test_a_park_manager_may_not_move_an_enterprise_to_another_park(api_as, org):
    # when the manager of park A moves an enterprise of park A to park B
    response = api_as(org.park_a_manager).patch(
        f"/api/v1/enterprises/{org.ent_1.pk}/", {"park": org.park_b.pk}, format="json"
    )
    # then it is forbidden and the enterprise stays
    assert response.status_code == 403
    org.ent_1.refresh_from_db()
    assert org.ent_1.park == org.park_a


def test_a_zone_manager_moves_an_enterprise_between_parks(api_as, org):
    # when the zone manager moves an enterprise
    response = api_as(org.zone_manager).patch(
        f"/api/v1/enterprises/{org.ent_1.pk}/", {"park": org.park_b.pk}, format="json"
    )
    # then it moves, and leaves the old park manager's scope
    assert response.status_code == 200
    assert api_as(org.park_a_manager).get(f"/api/v1/enterprises/{org.ent_1.pk}/").status_code == 404
    assert api_as(org.park_b_manager).get(f"/api/v1/enterprises/{org.ent_1.pk}/").status_code == 200


def test_the_service_refuses_a_park_manager_taking_over_an_enterprise_of_another_park(org):
    # given a park manager calling the service directly with an enterprise of another park
    # when they try to move it into their own park
    with pytest.raises(Forbidden):
        services.enterprise_update(actor=org.park_a_manager, enterprise_id=org.ent_3.pk, park=org.park_a)
    # then it stays where it was
    org.ent_3.refresh_from_db()
    assert org.ent_3.park == org.park_b


def test_a_duplicate_credit_code_is_400_on_create_and_on_patch(api_as, org):
    client = api_as(org.zone_manager)
    # when an enterprise is created with the code of another
    created = client.post(
        "/api/v1/enterprises/", enterprise_body(org, credit_code=org.ent_2.credit_code), format="json"
    )
    # and another is patched to it
    patched = client.patch(
        f"/api/v1/enterprises/{org.ent_1.pk}/", {"credit_code": org.ent_2.credit_code}, format="json"
    )
    # then both are 400 on the field
    assert created.status_code == 400
    assert "credit_code" in created.json()
    assert patched.status_code == 400
    assert "credit_code" in patched.json()
    # but an enterprise may keep its own code
    same = client.patch(f"/api/v1/enterprises/{org.ent_1.pk}/", {"credit_code": org.ent_1.credit_code}, format="json")
    assert same.status_code == 200


def test_the_deputy_must_not_be_the_chief(api_as, org):
    client = api_as(org.zone_manager)
    # when an enterprise is created, or patched, with the chief as deputy
    created = client.post("/api/v1/enterprises/", enterprise_body(org, deputy_officer=org.officer_a.pk), format="json")
    patched = client.patch(f"/api/v1/enterprises/{org.ent_1.pk}/", {"deputy_officer": org.officer_a.pk}, format="json")
    # then both are 400 on the deputy
    assert created.status_code == 400
    assert "deputy_officer" in created.json()
    assert patched.status_code == 400
    assert "deputy_officer" in patched.json()
    org.ent_1.refresh_from_db()
    assert org.ent_1.deputy_officer is None


@pytest.mark.parametrize("who", ["park_a_manager", "ent_user_1", "admin"])
def test_only_officers_can_be_chief_or_deputy(api_as, org, who):
    # when a user who is not an officer is named chief
    not_an_officer = getattr(org, who)
    response = api_as(org.zone_manager).post(
        "/api/v1/enterprises/", enterprise_body(org, chief_officer=not_an_officer.pk), format="json"
    )
    # then it is a 400 on the field
    assert response.status_code == 400
    assert "chief_officer" in response.json()


@pytest.mark.parametrize("value", [1.9, "1.0", True, 1e300, "１", -1, 0, 10**30])
def test_an_id_must_be_a_whole_number_of_an_existing_object(api_as, org, value):
    # given a value that is not the id of an officer (a float would silently become officer 1)
    body = enterprise_body(org, chief_officer=value)
    # when it is sent as the chief officer
    response = api_as(org.zone_manager).post("/api/v1/enterprises/", body, format="json")
    # then it is refused on the field
    assert response.status_code == 400
    assert "chief_officer" in response.json()
    assert Enterprise.objects.count() == 4


# --- users -----------------------------------------------------------------------------


def test_users_me_tells_the_caller_who_they_are(api_as, org):
    # when people of every role ask who they are
    cases = [
        (org.ent_user_1, "enterprise"),
        (org.officer_a, "officer"),
        (org.park_a_manager, "manager"),
        (org.admin, "admin"),
        (org.admin_role, "admin"),
    ]
    for user, role in cases:
        body = api_as(user).get("/api/v1/users/me/").json()
        # then they get themselves, with their role and scope
        assert body["id"] == user.pk
        assert body["role"] == role
    assert api_as(org.ent_user_1).get("/api/v1/users/me/").json()["enterprise"] == org.ent_1.pk
    assert api_as(org.park_a_manager).get("/api/v1/users/me/").json()["park"] == org.park_a.pk


@pytest.mark.parametrize("who", ["ent_user_1", "officer_a"])
def test_enterprise_users_and_officers_list_only_themselves(api_as, org, who):
    user = getattr(org, who)
    # when they list the users
    response = api_as(user).get("/api/v1/users/")
    # then they see only themselves, and others are 404
    assert [row["id"] for row in response.json()["results"]] == [user.pk]
    assert api_as(user).get(f"/api/v1/users/{org.officer_b.pk}/").status_code == 404


def test_a_department_head_lists_the_members_of_their_department(api_as, org):
    # when the head of department A lists the users
    ids = {row["id"] for row in api_as(org.dept_a_head).get("/api/v1/users/").json()["results"]}
    # then they see department A's people only
    assert ids == {org.dept_a_head.pk, org.officer_a.pk, org.officer_a2.pk}


def test_a_park_manager_lists_the_people_of_their_park(api_as, org):
    # when the manager of park A lists the users
    client = api_as(org.park_a_manager)
    ids = {row["id"] for row in client.get("/api/v1/users/", {"page_size": 200}).json()["results"]}
    # then they see park A's enterprise users, officers and managers (and zone-wide officers)
    assert {org.ent_user_1.pk, org.officer_a.pk, org.officer_a2.pk, org.park_a_manager.pk, org.officer_z.pk} <= ids
    # and nobody of park B
    assert not ids & {org.ent_user_3.pk, org.officer_b.pk, org.park_b_manager.pk}
    assert client.get(f"/api/v1/users/{org.ent_user_3.pk}/").status_code == 404


@pytest.mark.parametrize("who", ["zone_manager", "admin"])
def test_zone_managers_and_admins_list_everyone(api_as, org, who):
    response = api_as(getattr(org, who)).get("/api/v1/users/", {"page_size": 200})
    assert response.json()["count"] == User.objects.count()


def test_the_user_list_filters_by_role(api_as, org):
    response = api_as(org.zone_manager).get("/api/v1/users/", {"role": "officer"})
    assert {row["id"] for row in response.json()["results"]} == {
        org.officer_a.pk,
        org.officer_a2.pk,
        org.officer_b.pk,
        org.officer_z.pk,
    }


def new_user(role: str, **fields: object) -> dict[str, object]:
    return {"username": f"new.{role}", "password": STRONG_PASSWORD, "role": role, **fields}


def test_a_manager_creates_a_user_who_can_then_sign_in(api, api_as, org):
    # when the zone manager creates an officer
    response = api_as(org.zone_manager).post(
        "/api/v1/users/",
        new_user("officer", department=org.dept_a.pk, display_name="张三", email="z@example.com"),
        format="json",
    )
    # then the answer is 201 with the user, and no password in it
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "username", "role"} <= set(body)
    assert body["username"] == "new.officer"
    assert body["role"] == "officer"
    assert body["department"] == org.dept_a.pk
    assert "password" not in body
    user = User.objects.get(pk=body["id"])
    assert user.display_name == "张三"
    assert user.check_password(STRONG_PASSWORD)
    # and the new user can get a token
    token = api.post(TOKEN_URL, {"username": "new.officer", "password": STRONG_PASSWORD}, format="json")
    assert token.status_code == 200
    assert token.json()["token"]


@pytest.mark.parametrize("who", ["ent_user_1", "officer_a"])
def test_enterprise_users_and_officers_may_not_create_users(api_as, org, who):
    # when someone who is not a manager creates a user
    response = api_as(getattr(org, who)).post(
        "/api/v1/users/", new_user("enterprise", enterprise=org.ent_1.pk), format="json"
    )
    # then it is forbidden
    assert response.status_code == 403
    assert not User.objects.filter(username="new.enterprise").exists()


@pytest.mark.parametrize(
    ("who", "role", "scope", "expected"),
    [
        # park manager of park A
        ("park_a_manager", "enterprise", {"enterprise": "ent_1"}, 201),
        ("park_a_manager", "enterprise", {"enterprise": "ent_3"}, 404),  # outside the scope: not found
        ("park_a_manager", "officer", {"department": "dept_a"}, 201),
        ("park_a_manager", "officer", {"department": "dept_b"}, 403),
        ("park_a_manager", "officer", {"department": "dept_zone"}, 403),
        ("park_a_manager", "manager", {"park": "park_a"}, 201),
        ("park_a_manager", "manager", {"park": "park_b"}, 403),
        ("park_a_manager", "manager", {}, 403),
        ("park_a_manager", "manager", {"department": "dept_a"}, 403),
        # head of department A
        ("dept_a_head", "officer", {"department": "dept_a"}, 201),
        ("dept_a_head", "officer", {"department": "dept_b"}, 403),
        ("dept_a_head", "enterprise", {"enterprise": "ent_1"}, 403),
        ("dept_a_head", "manager", {"department": "dept_a"}, 403),
        # zone manager
        ("zone_manager", "enterprise", {"enterprise": "ent_3"}, 201),
        ("zone_manager", "manager", {"park": "park_b"}, 201),
        ("zone_manager", "manager", {"department": "dept_b"}, 201),
        ("zone_manager", "manager", {}, 201),
        ("zone_manager", "admin", {}, 403),
        ("park_a_manager", "admin", {}, 403),
        # administrators
        ("admin", "admin", {}, 201),
        ("admin_role", "admin", {}, 201),
        ("admin", "officer", {"department": "dept_zone"}, 201),
    ],
)
def test_who_may_create_which_user(api_as, org, who, role, scope, expected):
    # given a manager or admin, and a user of some role and scope
    body = new_user(role, **{field: getattr(org, name).pk for field, name in scope.items()})
    # when they create it
    response = api_as(getattr(org, who)).post("/api/v1/users/", body, format="json")
    # then it is created only within their scope, and only admins make admins
    assert response.status_code == expected, response.json()
    assert User.objects.filter(username=body["username"]).exists() == (expected == 201)
    if expected == 201:
        assert response.json()["role"] == role
        created = User.objects.get(username=body["username"])
        # an administrator made through the API can open the Django admin; nobody else can
        assert created.is_staff == created.is_superuser == (role == "admin")


@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901234", "new.officer1", ""],
    ids=["too short", "common", "numeric", "like the username", "empty"],
)
def test_a_weak_password_is_400_with_a_password_error(api_as, org, password):
    # when a user is created with a weak password
    body = new_user("officer", department=org.dept_a.pk, password=password)
    response = api_as(org.zone_manager).post("/api/v1/users/", body, format="json")
    # then it is refused on the password field
    assert response.status_code == 400
    assert "password" in response.json()
    assert response.json()["password"]
    assert not User.objects.filter(username="new.officer").exists()


def test_a_duplicate_username_is_400(api_as, org):
    # given an existing user name
    body = new_user("officer", department=org.dept_a.pk, username=org.officer_a.username)
    # when it is used again
    response = api_as(org.zone_manager).post("/api/v1/users/", body, format="json")
    # then it is a 400 on the username
    assert response.status_code == 400
    assert "username" in response.json()
    assert User.objects.filter(username=org.officer_a.username).count() == 1


@pytest.mark.parametrize("username", ["ALICE", "Alice", "alice"])
def test_a_username_differing_only_in_case_is_400_and_nothing_is_written(api_as, org, username):
    # given a user "alice"
    UserFactory(username="alice", role=User.Role.ENTERPRISE, enterprise=org.ent_1)
    users_before = User.objects.count()
    # when another user is created with the same name in another case
    body = new_user("officer", department=org.dept_a.pk, username=username)
    response = api_as(org.zone_manager).post("/api/v1/users/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    # then it is a 400 with a message on the username, and no user is added
    assert response.status_code == 400, response.json()
    assert response.json()["username"] == ["A user with that username already exists."]
    assert User.objects.count() == users_before
    assert list(User.objects.filter(username__iexact="alice").values_list("username", flat=True)) == ["alice"]


@pytest.mark.parametrize(
    ("role", "scope", "field"),
    [
        ("enterprise", {}, "enterprise"),
        ("enterprise", {"enterprise": None}, "enterprise"),
        ("officer", {}, "department"),
        ("officer", {"department": "dept_a", "enterprise": "ent_1"}, "enterprise"),
        ("officer", {"department": "dept_a", "park": "park_a"}, "park"),
        ("manager", {"park": "park_a", "department": "dept_a"}, "park"),
        ("manager", {"enterprise": "ent_1"}, "enterprise"),
        ("enterprise", {"enterprise": "ent_1", "department": "dept_a"}, "department"),
    ],
)
@pytest.mark.parametrize("who", ["park_a_manager", "zone_manager"])
def test_a_role_with_the_wrong_scope_fields_is_400(api_as, org, who, role, scope, field):
    # given a body whose scope fields do not fit its role
    body = new_user(role, **{k: (getattr(org, v).pk if v else None) for k, v in scope.items()})
    # when a manager posts it
    response = api_as(getattr(org, who)).post("/api/v1/users/", body, format="json")
    # then it is a 400 naming the field, whoever asks
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not User.objects.filter(username=body["username"]).exists()


def test_privilege_fields_in_the_body_are_ignored(api_as, org):
    # when a park manager slips superuser flags into the body
    body = new_user("enterprise", enterprise=org.ent_1.pk, is_superuser=True, is_staff=True, id=1)
    response = api_as(org.park_a_manager).post("/api/v1/users/", body, format="json")
    # then the user is created as an ordinary enterprise user
    assert response.status_code == 201
    user = User.objects.get(username="new.enterprise")
    assert not user.is_superuser
    assert not user.is_staff
    assert response.json()["role"] == "enterprise"


def test_the_service_checks_every_scope_object_not_just_the_first(org):
    # given a park manager calling the service with their own enterprise but another park's department
    # when the user is created
    with pytest.raises(Forbidden):
        services.user_create(
            actor=org.park_a_manager,
            username="sneaky",
            password=STRONG_PASSWORD,
            role=User.Role.ENTERPRISE,
            enterprise=org.ent_1,
            department=org.dept_b,
        )
    # then nobody is created
    assert not User.objects.filter(username="sneaky").exists()


# --- service items ---------------------------------------------------------------------


def item_body(org: SimpleNamespace, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "code": "permit-renewal",
        "name": "许可证延续",
        "department": org.dept_a.pk,
        "accept_limit": "2h",
        "resolve_limit": "5d",
        "clock": "working",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    "who", ["ent_user_1", "officer_a", "dept_a_head", "park_a_manager", "zone_manager", "admin", "admin_role"]
)
def test_everyone_signed_in_reads_the_catalogue(api_as, org, who):
    # given a catalogue
    item = ServiceItemFactory(code="water-supply", department=org.dept_zone, accept_limit="90m", resolve_limit="3d")
    ServiceItemFactory(code="electricity", department=org.dept_a)
    client = api_as(getattr(org, who))
    # when anyone signed in reads it
    listing = client.get("/api/v1/service-items/")
    detail = client.get(f"/api/v1/service-items/{item.code}/")
    # then they get it, sorted by code, with the limits as written
    assert listing.status_code == 200
    assert [row["code"] for row in listing.json()["results"]] == ["electricity", "water-supply"]
    assert detail.status_code == 200
    assert detail.json() == {
        "code": "water-supply",
        "name": item.name,
        "name_en": "",
        "description": "",
        "department": org.dept_zone.pk,
        "accept_limit": "90m",
        "resolve_limit": "3d",
        "clock": "working",
        "is_active": True,
    }


@pytest.mark.parametrize("who", ["ent_user_1", "officer_a", "dept_a_head", "park_a_manager"])
def test_only_zone_managers_and_admins_write_the_catalogue(api_as, org, who):
    item = ServiceItemFactory(code="existing")
    client = api_as(getattr(org, who))
    # when someone else creates or changes an item
    created = client.post("/api/v1/service-items/", item_body(org), format="json")
    patched = client.patch(f"/api/v1/service-items/{item.code}/", {"name": "改名"}, format="json")
    # then both are forbidden and nothing changes
    assert created.status_code == 403
    assert patched.status_code == 403
    assert not ServiceItem.objects.filter(code="permit-renewal").exists()
    item.refresh_from_db()
    assert item.name != "改名"


@pytest.mark.parametrize("who", ["zone_manager", "admin", "admin_role"])
def test_zone_managers_and_admins_create_a_catalogue_item(api_as, org, who):
    # when a zone manager or admin creates an item
    response = api_as(getattr(org, who)).post("/api/v1/service-items/", item_body(org), format="json")
    # then it is created as sent
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "permit-renewal"
    item = ServiceItem.objects.get(code="permit-renewal")
    assert (item.accept_limit, item.resolve_limit, item.clock, item.department) == ("2h", "5d", "working", org.dept_a)


def test_a_catalogue_item_may_leave_the_resolution_limit_to_the_ticket_kind(api_as, org):
    # when an item is created with no resolution limit
    body = item_body(org)
    del body["resolve_limit"]
    response = api_as(org.zone_manager).post("/api/v1/service-items/", body, format="json")
    # then it is stored empty (the kind's default applies)
    assert response.status_code == 201, response.json()
    assert ServiceItem.objects.get(code="permit-renewal").resolve_limit == ""


@pytest.mark.parametrize("field", ["accept_limit", "resolve_limit"])
@pytest.mark.parametrize("value", ["5x", "0d", "1.5h", "-2h", "d", "2 h", "999999d", "2H"])
def test_a_bad_limit_is_400_with_a_message_on_the_field(api_as, org, field, value):
    # when an item is created with a limit that is not `<n>m|h|d`
    response = api_as(org.zone_manager).post("/api/v1/service-items/", item_body(org, **{field: value}), format="json")
    # then it is a 400 with a message on that field
    assert response.status_code == 400
    assert response.json()[field][0]
    assert not ServiceItem.objects.exists()


def test_a_catalogue_item_is_patched_by_its_code(api_as, org):
    # given an item
    ServiceItemFactory(code="permit-renewal", accept_limit="1d", resolve_limit="5d")
    # when the zone manager changes its limits and clock
    response = api_as(org.zone_manager).patch(
        "/api/v1/service-items/permit-renewal/",
        {"accept_limit": "4h", "resolve_limit": "2d", "clock": "natural", "is_active": False},
        format="json",
    )
    # then the change is saved
    assert response.status_code == 200, response.json()
    item = ServiceItem.objects.get(code="permit-renewal")
    assert (item.accept_limit, item.resolve_limit, item.clock, item.is_active) == ("4h", "2d", "natural", False)


def test_a_catalogue_item_can_be_renamed_to_a_free_code_only(api_as, org):
    ServiceItemFactory(code="old-code")
    ServiceItemFactory(code="taken")
    client = api_as(org.zone_manager)
    # when an item's code is changed to one that is taken
    taken = client.patch("/api/v1/service-items/old-code/", {"code": "taken"}, format="json")
    # then it is a 400 on the code
    assert taken.status_code == 400
    assert "code" in taken.json()
    # and to a free one it works, under its new address
    assert client.patch("/api/v1/service-items/old-code/", {"code": "new-code"}, format="json").status_code == 200
    assert client.get("/api/v1/service-items/new-code/").status_code == 200
    assert client.get("/api/v1/service-items/old-code/").status_code == 404


def test_a_duplicate_catalogue_code_is_400(api_as, org):
    ServiceItemFactory(code="permit-renewal")
    response = api_as(org.zone_manager).post("/api/v1/service-items/", item_body(org), format="json")
    assert response.status_code == 400
    assert "code" in response.json()


@pytest.mark.parametrize("code", ["no-such-item", "a%00b", "x" * 300, "%E4%B8%AD"])
def test_an_unknown_catalogue_code_is_404(api_as, org, code):
    # when an item that does not exist is read or patched
    client = api_as(org.zone_manager)
    # then both are 404
    assert client.get(f"/api/v1/service-items/{code}/").status_code == 404
    assert client.patch(f"/api/v1/service-items/{code}/", {"name": "x"}, format="json").status_code == 404


# --- parks and departments -------------------------------------------------------------


@pytest.mark.parametrize("who", ["ent_user_1", "officer_a", "dept_a_head", "admin"])
def test_parks_and_departments_are_listed_for_everyone_signed_in(api_as, org, who):
    client = api_as(getattr(org, who))
    # when anyone lists the parks and the departments
    parks = client.get("/api/v1/parks/").json()
    departments = client.get("/api/v1/departments/").json()
    # then they get paginated lists with id, name and park / zone
    for body in (parks, departments):
        assert set(body) == {"count", "next", "previous", "results"}
    assert {row["name"] for row in parks["results"]} == {"园区A", "园区B"}
    dept_a = next(row for row in departments["results"] if row["id"] == org.dept_a.pk)
    assert dept_a["name"] == "部门A"
    assert dept_a["park"] == org.park_a.pk
    assert dept_a["zone"] == org.dept_a.zone_id
    zone_wide = next(row for row in departments["results"] if row["id"] == org.dept_zone.pk)
    assert zone_wide["park"] is None


PAGE_SIZES = [(None, 50), ("10", 10), ("200", 200), ("201", 200), ("100000", 200), ("0", 50), ("-5", 50), ("abc", 50)]


@pytest.mark.parametrize("url", ["/api/v1/parks/", "/api/v1/departments/"])
def test_page_size_is_honoured_up_to_200(api_as, url):
    # given 230 parks and 230 departments (made once for every page size asked)
    ParkFactory.create_batch(230)
    DepartmentFactory.create_batch(230)
    client = api_as(OfficerFactory())
    total = 230 if url == "/api/v1/parks/" else 231  # the officer's own department
    for asked, expected in PAGE_SIZES:
        # when a page size is asked for
        params = {} if asked is None else {"page_size": asked}
        body = client.get(url, params).json()
        # then it is honoured up to 200, and the default is 50
        assert body["count"] == total, asked
        assert len(body["results"]) == expected, asked
        assert body["previous"] is None, asked
        assert body["next"] is not None, asked


def test_the_last_page_has_no_next_and_a_page_past_it_is_404(api_as):
    ParkFactory.create_batch(30)
    client = api_as(OfficerFactory())
    last = client.get("/api/v1/parks/", {"page_size": 20, "page": 2}).json()
    assert len(last["results"]) == 10
    assert last["next"] is None
    assert last["previous"] is not None
    assert client.get("/api/v1/parks/", {"page_size": 20, "page": 3}).status_code == 404
    assert client.get("/api/v1/parks/", {"page": "zzz"}).status_code == 404


def test_an_unknown_park_is_404(api_as):
    assert api_as(OfficerFactory()).get("/api/v1/parks/999999/").status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/parks/", "/api/v1/departments/"])
def test_parks_and_departments_are_read_only(api_as, url):
    response = api_as(AdminFactory()).post(url, {"name": "x", "code": "x"}, format="json")
    assert response.status_code == 405


# --- query counts ----------------------------------------------------------------------


def _count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("who", ["zone_manager", "park_a_manager", "dept_a_head", "officer_a"])
def test_the_enterprise_list_runs_a_constant_number_of_queries(api_as, django_assert_max_num_queries, org, who, rows):
    # given many enterprises in everyone's scope, each with a deputy
    for _ in range(rows):
        EnterpriseFactory(park=org.park_a, chief_officer=org.officer_a, deputy_officer=org.officer_a2)
    client = api_as(getattr(org, who))
    # when the list is read
    with django_assert_max_num_queries(2):  # the count and the page
        response = client.get("/api/v1/enterprises/", {"page_size": 200})
    # then every row is in it
    assert len(response.json()["results"]) >= rows


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("who", ["zone_manager", "park_a_manager", "dept_a_head"])
def test_the_user_list_runs_a_constant_number_of_queries(api_as, django_assert_max_num_queries, org, who, rows):
    # given many people in everyone's scope
    enterprise = EnterpriseFactory(park=org.park_a, chief_officer=org.officer_a)
    EnterpriseUserFactory.create_batch(rows, enterprise=enterprise)
    OfficerFactory.create_batch(rows, department=org.dept_a)
    client = api_as(getattr(org, who))
    # when the list is read
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/users/", {"page_size": 200})
    # then every row is in it
    assert len(response.json()["results"]) >= rows


def test_list_query_counts_do_not_grow_with_length_over_a_token(api, org):
    # given a zone manager signing in with a token (one more query for the token)
    _token, key = services.api_token_create(user=org.zone_manager)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    counts = {}
    for url in ("/api/v1/enterprises/", "/api/v1/users/", "/api/v1/service-items/", "/api/v1/departments/"):
        before = _count_queries(api, url)
        # when the lists grow tenfold
        for _ in range(10):
            EnterpriseFactory(park=org.park_b, chief_officer=org.officer_b)
            ServiceItemFactory(department=org.dept_b)
        counts[url] = (before, _count_queries(api, url))
    # then each list runs the same number of queries
    assert all(before == after for before, after in counts.values()), counts


# --- OpenAPI ---------------------------------------------------------------------------


def test_the_schema_is_public_and_describes_the_org_api(api, api_as, org):
    # the schema only describes the API (no data), so anyone may read it, like /docs/
    anonymous = api.get("/api/v1/schema/", {"format": "json"})
    signed_in = api_as(org.officer_a).get("/api/v1/schema/", {"format": "json"})
    assert anonymous.status_code == 200
    assert signed_in.status_code == 200
    schema = anonymous.json()
    assert schema["openapi"].startswith("3.")
    for url in (
        "/api/v1/auth/token/",
        "/api/v1/users/",
        "/api/v1/users/me/",
        "/api/v1/parks/",
        "/api/v1/departments/",
        "/api/v1/enterprises/",
        "/api/v1/enterprises/{id}/",
        "/api/v1/service-items/",
        "/api/v1/service-items/{code}/",
    ):
        assert url in schema["paths"], url
    enterprise_id = schema["paths"]["/api/v1/enterprises/{id}/"]["get"]["parameters"][0]
    assert enterprise_id["schema"]["type"] == "integer"
    assert api.get("/api/v1/docs/").status_code == 200


# The organisation endpoints alone, so that their part of the schema is checked on its own.
_org_router = DefaultRouter()
_org_router.register("users", org_views.UserViewSet, basename="user")
_org_router.register("parks", org_views.ParkViewSet, basename="park")
_org_router.register("departments", org_views.DepartmentViewSet, basename="department")
_org_router.register("enterprises", org_views.EnterpriseViewSet, basename="enterprise")
_org_router.register("service-items", org_views.ServiceItemViewSet, basename="service-item")
urlpatterns = [
    path("api/v1/auth/token/", org_views.TokenView.as_view()),
    path("api/v1/", include(_org_router.urls)),
]


def test_the_org_part_of_the_schema_validates_without_warnings(tmp_path):
    # when the schema of the organisation endpoints is generated and validated, failing on any warning
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), "--urlconf", __name__)
    # then it is written
    assert target.read_text().startswith("openapi: 3")


def test_the_whole_schema_validates_without_warnings(tmp_path):
    # when the schema of the whole API is generated and validated, failing on any warning
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    # then it is written
    assert target.read_text().startswith("openapi: 3")
