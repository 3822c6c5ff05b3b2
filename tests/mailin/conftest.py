from __future__ import annotations

from pathlib import Path

import pytest

from servicedesk.models import User
from tests.tickets.conftest import T0, World, clock, world  # noqa: F401

MESSAGES = Path(__file__).parent / "messages"
DESK = "desk@desk.example.cn"


def message(name: str) -> bytes:
    return (MESSAGES / name).read_bytes()


@pytest.fixture
def desk(settings, world):  # type: ignore[no-untyped-def]  # noqa: F811
    """The desk's address set, the company user known as company@example.com."""
    settings.MAILIN_ADDRESS = DESK
    settings.MAILIN_DEFAULT_SERVICE_ITEM = world.item.code
    settings.SERVICEDESK_BASE_URL = "https://desk.example.cn"
    User.objects.filter(pk=world.company.pk).update(email="company@example.com")
    world.company.refresh_from_db()
    return world
