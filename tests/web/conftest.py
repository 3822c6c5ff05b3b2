from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from servicedesk.models import User
from tests.tickets.conftest import T0, World, clock, file_ticket, world  # noqa: F401  (the shared world)

__all__ = ["T0", "World"]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def web_as():  # type: ignore[no-untyped-def]
    """web_as(user) → a Django test Client signed in as that user, pages in English."""

    def make(user: User, **kwargs: object) -> Client:
        client = Client(**kwargs)  # type: ignore[arg-type]
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def new_ticket(world):  # type: ignore[no-untyped-def]  # noqa: F811
    """new_ticket(**overrides) → a ticket filed by the company user through the service."""
    from tickets import services

    def make(**overrides: object):  # type: ignore[no-untyped-def]
        data = {
            "title": "用电报装",
            "description": "新厂房需要接入 10kV 电源",
            "kind": "help",
            "service_item": world.item,
            "priority": "normal",
            **overrides,
        }
        if data["priority"] == "urgent":  # only staff mark a ticket urgent
            return services.ticket_create(actor=world.chief, enterprise=world.enterprise, **data)  # type: ignore[arg-type]
        return services.ticket_create(actor=world.company, **data)  # type: ignore[arg-type]

    return make


@pytest.fixture
def chinese_as(web_as):  # type: ignore[no-untyped-def]
    """chinese_as(user) → a signed-in client whose pages are in the default language."""

    def make(user):  # type: ignore[no-untyped-def]
        client = web_as(user)
        del client.cookies[settings.LANGUAGE_COOKIE_NAME]
        return client

    return make
