"""Run by tests/scaleout/test_replica.py in a process of its own, with DATABASE_URL (the
primary) and DATABASE_REPLICA_URL (the standby) of the test's clusters:

    python -m tests.scaleout.replica_probe setup     # an administrator to read reports as
    python -m tests.scaleout.replica_probe report    # a report by API and by page, /readyz

`report` prints one JSON object: the status codes, the queries each database ran, the
/readyz body, and what the standby's pg_stat_activity shows of the desk's session there."""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.signals import request_started  # noqa: E402
from django.db import connections, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402

from servicedesk.models import User  # noqa: E402

USERNAME = "replica-probe-admin"


def setup() -> None:
    User.objects.update_or_create(
        username=USERNAME, defaults={"is_superuser": True, "is_staff": True, "role": User.Role.ADMIN}
    )
    print(json.dumps({"user": USERNAME}))


def report() -> None:
    import psycopg

    client = Client()
    client.force_login(User.objects.get(username=USERNAME))
    result: dict[str, object] = {}
    # record every query of the three requests without connecting (the standby may be down)
    request_started.disconnect(reset_queries)
    for alias in ("default", "replica"):
        connections[alias].force_debug_cursor = True
    result["api"] = client.get("/api/v1/reports/officers/?from=2026-11-01&to=2026-11-30").status_code
    result["page"] = client.get("/reports/ranking/?month=2026-11").status_code
    readyz = client.get("/readyz")
    result["readyz"] = {**readyz.json(), "http": readyz.status_code}
    result["primary_queries"] = [q["sql"] for q in connections["default"].queries_log]
    result["replica_queries"] = [q["sql"] for q in connections["replica"].queries_log]
    try:
        with psycopg.connect(os.environ["DATABASE_REPLICA_URL"], autocommit=True, connect_timeout=2) as conn:
            rows = conn.execute(
                "SELECT client_port, query FROM pg_stat_activity WHERE application_name = 'servicedesk-replica'"
            ).fetchall()
        result["standby_sessions"] = [{"port": port, "query": query} for port, query in rows]
    except psycopg.Error as exc:
        result["standby_sessions"] = f"unreachable: {exc.__class__.__name__}"
    print(json.dumps(result))


if __name__ == "__main__":
    {"setup": setup, "report": report}[sys.argv[1]]()
