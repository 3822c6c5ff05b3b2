"""Password spraying: one password tried against many usernames from one address never trips
the per-user lockout, so failed sign-ins are also counted per address, across every sign-in
path (web, admin, API token): past SIGNIN_ADDRESS_FAILURE_LIMIT the address is refused (429,
logged), even with a right password; other addresses, and successes, are not hindered."""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import PASSWORD, AdminFactory

pytestmark = pytest.mark.django_db

SPRAYER = "198.51.100.9"
OTHER = "198.51.100.77"


def _spray(path: str, count: int, address: str = SPRAYER) -> list[int]:
    client = Client(REMOTE_ADDR=address)
    return [client.post(path, {"username": f"guess{n}", "password": "Summer2026!"}).status_code for n in range(count)]


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_spraying_a_sign_in_page_is_stopped_per_address(world, caplog, path):  # type: ignore[no-untyped-def]
    limit = settings.SIGNIN_ADDRESS_FAILURE_LIMIT
    with caplog.at_level(logging.WARNING, logger="servicedesk.lockout"):
        codes = _spray(path, limit + 5)
    assert codes[:limit] == [200] * limit  # the form again, with its error
    assert codes[limit:] == [429] * 5
    assert any(SPRAYER in r.getMessage() and "sign-in refused" in r.getMessage() for r in caplog.records)

    user = AdminFactory() if path.startswith("/admin/") else world.chief
    refused = Client(REMOTE_ADDR=SPRAYER).post(path, {"username": user.username, "password": PASSWORD})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.content.decode() or "登录失败次数过多" in refused.content.decode()

    elsewhere = Client(REMOTE_ADDR=OTHER).post(path, {"username": user.username, "password": PASSWORD})
    assert elsewhere.status_code == 302  # signed in


def test_the_count_is_shared_by_every_sign_in_path(world):  # type: ignore[no-untyped-def]
    _spray("/accounts/login/", settings.SIGNIN_ADDRESS_FAILURE_LIMIT)
    token = APIClient(REMOTE_ADDR=SPRAYER).post(
        "/api/v1/auth/token/", {"username": world.chief.username, "password": PASSWORD}, format="json"
    )
    assert token.status_code == 429
    assert token.json()["code"] == "too_many_sign_ins"
    admin = AdminFactory()
    page = Client(REMOTE_ADDR=SPRAYER).post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert page.status_code == 429


def test_successful_sign_ins_do_not_count(world):  # type: ignore[no-untyped-def]
    for _ in range(settings.SIGNIN_ADDRESS_FAILURE_LIMIT + 5):
        client = Client(REMOTE_ADDR=SPRAYER)
        assert (
            client.post("/accounts/login/", {"username": world.chief.username, "password": PASSWORD}).status_code == 302
        )


def test_other_requests_from_a_refused_address_go_on(world):  # type: ignore[no-untyped-def]
    _spray("/accounts/login/", settings.SIGNIN_ADDRESS_FAILURE_LIMIT)
    client = Client(REMOTE_ADDR=SPRAYER)
    assert client.get("/accounts/login/").status_code == 200  # the page itself still shows
    client.force_login(world.chief)
    assert client.get("/").status_code in (200, 302)
