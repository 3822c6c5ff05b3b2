"""The web pages' fixtures: the tickets' `world` on a controlled `clock`, and `web_as(user)`,
a test client signed in as that user with English pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from servicedesk.models import User
from tests.tickets.conftest import clock, file_ticket, world  # noqa: F401  fixtures used by these tests


@pytest.fixture
def web_as() -> Callable[..., Client]:
    def make(user: User, *, enforce_csrf_checks: bool = False) -> Client:
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make
