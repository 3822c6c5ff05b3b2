from __future__ import annotations

import os

import pytest
from rest_framework.test import APIClient

from servicedesk.models import User

# the plugin tests.redis_per_worker gives each xdist worker a Redis database of its own; it
# has to be named on the command line (it must run before the settings are read)
if (
    os.environ.get("PYTEST_XDIST_WORKER")
    and os.environ.get("REDIS_URL")
    and not os.environ.get("SERVICEDESK_REDIS_PER_WORKER")
):
    pytest.exit("a parallel run shares one Redis database between workers: add -p tests.redis_per_worker", 2)


@pytest.fixture(autouse=True, scope="session")
def _captured_queries_are_kept():  # type: ignore[no-untyped-def]
    """Django's CaptureQueriesContext reads its queries from the connection's log when they
    are asked for, and the next request through a test client empties that log: read after
    another request, they were none, and a test asserting that some query did not run held
    whatever ran. They are kept as they were when the block ended."""
    from django.test.utils import CaptureQueriesContext

    leave, live = CaptureQueriesContext.__exit__, CaptureQueriesContext.captured_queries

    def keep(self, *exc):  # type: ignore[no-untyped-def]
        leave(self, *exc)
        if self.final_queries is not None:
            self.__dict__["_kept"] = self.connection.queries[self.initial_queries : self.final_queries]

    def captured(self):  # type: ignore[no-untyped-def]
        return self.__dict__["_kept"] if "_kept" in self.__dict__ else live.fget(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CaptureQueriesContext, "__exit__", keep)
        patch.setattr(CaptureQueriesContext, "captured_queries", property(captured))
        yield


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded files go to a temporary folder; each test starts with no throttle counters
    (the shipped cache, on the Redis of REDIS_URL: `clear()` deletes the cache's keys only)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # many tests file dozens of tickets as one company user; the enterprise throttles
    # themselves (the shipped class and cache) are tested at a low rate in
    # tests/security/test_sms_flood.py
    settings.ENTERPRISE_TICKET_THROTTLE_RATE = "10000/hour"
    settings.ENTERPRISE_WRITE_THROTTLE_RATE = "10000/hour"
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def api_as():  # type: ignore[no-untyped-def]
    """api_as(user) → an APIClient authenticated as that user."""

    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
