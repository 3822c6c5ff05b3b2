"""A pytest plugin for running the suite in several processes (pytest-xdist): each worker
gets a Redis database of its own — gw0 the one REDIS_URL names, gw1 the next — so that one
worker's cache clears and broker queues never touch another's. (Each worker already gets a
test database of its own from pytest-django: test_<name>_gw0, …)

It must run before pytest-django reads the settings, so it is a plugin named on the command
line, not a conftest: ``python -m pytest -p tests.redis_per_worker -n 2`` (what `make test`
runs). The root conftest refuses to run under xdist without it."""

from __future__ import annotations

import os
import re

MARK = "SERVICEDESK_REDIS_PER_WORKER"


def own_database(url: str, worker: str) -> str:
    """REDIS_URL for ``worker`` (gw0, gw1, …): the database number raised by the worker's
    number. A URL with a query string or a Sentinel URL is refused: name a plain
    ``redis://host:port/db`` for a parallel run."""
    number = re.fullmatch(r"gw(\d+)", worker)
    plain = re.fullmatch(r"(redis://[^/?#]+)(?:/(\d*))?", url)
    if not number:
        raise ValueError(f"not an xdist worker id: {worker!r}")
    if not plain:
        raise ValueError(f"a parallel test run needs REDIS_URL=redis://host:port/db, not {url!r}")
    return f"{plain[1]}/{int(plain[2] or 0) + int(number[1])}"


def _apply() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and "REDIS_URL" in os.environ and os.environ.get(MARK) != worker:
        os.environ["REDIS_URL"] = own_database(os.environ["REDIS_URL"], worker)
        os.environ[MARK] = worker


_apply()
