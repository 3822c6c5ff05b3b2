"""Password guessing: after five wrong passwords in a row for one username from one address,
the sixth attempt is refused even with the right password (django-axes), on the API token
endpoint and on the admin login; other addresses and API tokens keep working."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import PASSWORD, AdminFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def _token(username: str, password: str, address: str = "203.0.113.7"):  # type: ignore[no-untyped-def]
    return APIClient(REMOTE_ADDR=address).post(TOKEN_URL, {"username": username, "password": password}, format="json")


def test_the_sixth_attempt_is_refused_even_with_the_right_password(world):
    username = world.company.username
    good = _token(username, PASSWORD)
    assert good.status_code == 200
    key = good.json()["token"]
    for _ in range(4):
        assert _token(username, "wrong-password").status_code == 400
    fifth = _token(username, "wrong-password")
    assert fifth.status_code == 429  # the fifth failure locks the pair out
    locked = _token(username, PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert int(locked["Retry-After"]) == 15 * 60
    assert "token" not in locked.json()
    # another address is not locked out for this user
    assert _token(username, PASSWORD, address="198.51.100.9").status_code == 200
    # and a token issued before keeps working (token auth does not log in with a password)
    client = APIClient(REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/users/me/").status_code == 200


def test_a_success_before_the_limit_starts_the_count_again(world):
    username = world.company.username
    for _ in range(4):
        assert _token(username, "wrong-password").status_code == 400
    assert _token(username, PASSWORD).status_code == 200
    for _ in range(4):
        assert _token(username, "wrong-password").status_code == 400
    assert _token(username, PASSWORD).status_code == 200


def test_failures_count_for_the_name_in_any_case(world):
    # given a user who signs in whatever the case of their name (usernames ignore case)
    username = world.company.username
    spellings = [username.upper(), username.title(), username, username.upper()]
    # when four wrong passwords come under different spellings of the name
    for typed in spellings:
        assert _token(typed, "wrong-password").status_code == 400
    # then the fifth, under yet another, locks the one account out, whatever the spelling
    assert _token(username.swapcase(), "wrong-password").status_code == 429
    assert _token(username, PASSWORD).status_code == 429
    assert _token(username.upper(), PASSWORD).status_code == 429


def test_a_success_in_another_case_starts_the_count_again(world):
    username = world.company.username
    for _ in range(4):
        assert _token(username, "wrong-password").status_code == 400
    assert _token(username.upper(), PASSWORD).status_code == 200
    for _ in range(4):
        assert _token(username.upper(), "wrong-password").status_code == 400
    assert _token(username, PASSWORD).status_code == 200


def test_the_admin_login_is_locked_out_too(client):
    admin = AdminFactory()
    for _ in range(4):
        response = client.post("/admin/login/", {"username": admin.username, "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    assert client.post("/admin/login/", {"username": admin.username, "password": "wrong"}).status_code == 429
    response = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_test_client_login_still_works(client):
    """A login without a request (client.login, management commands) is not locked."""
    admin = AdminFactory()
    assert client.login(username=admin.username, password=PASSWORD)


def test_behind_a_configured_proxy_each_client_has_its_own_count(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    username = world.company.username
    client = APIClient()
    for _ in range(5):
        client.post(
            TOKEN_URL, {"username": username, "password": "x"}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.7"
        )
    other = client.post(
        TOKEN_URL, {"username": username, "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.8"
    )
    same = client.post(
        TOKEN_URL, {"username": username, "password": PASSWORD}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert (other.status_code, same.status_code) == (200, 429)


def test_a_forged_forwarded_for_header_does_not_dodge_the_lockout(world):
    username = world.company.username
    client = APIClient()
    answers = [
        client.post(
            TOKEN_URL, {"username": username, "password": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1"
        ).status_code
        for n in range(6)
    ]
    assert answers == [400] * 4 + [429] * 2
