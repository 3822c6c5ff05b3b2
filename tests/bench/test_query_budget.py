"""The queries per request of the benchmarked endpoints stay within bench/query_budget.json.

A few hundred tickets written by the benchmark's own seeder (COPY, inside the test's
transaction), then one request to each endpoint under CaptureQueriesContext. A count that
grows (an N+1 crept into a serializer, a check done per row) fails here, long before the
zone-scale run would show it. PostgreSQL only (the seeder speaks COPY)."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest
from django.db import connection

from bench import queries
from bench.seed import Seeder

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark seeder writes with PostgreSQL COPY: set DATABASE_URL to PostgreSQL")
    args = argparse.Namespace(
        tickets=300,
        enterprises=30,
        officers=10,
        departments=4,
        parks=2,
        seed=7,
        end=dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0),
    )
    seeder = Seeder(args)
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        seeder.organisation(cur)
        seeder.tickets(cur)
        seeder.visits(cur)
        seeder.finish(cur)


def test_queries_per_request_within_budget(seeded: None) -> None:
    c = queries.cast(n_officers=2, n_companies=5)
    counts = queries.count_queries(c)
    budget = queries.load_budget()
    assert set(budget) == set(counts), "every measured endpoint has a budget"
    assert queries.over_budget(counts, budget) == []


def test_the_budget_catches_a_growing_count() -> None:
    budget = {"queue": 3, "list": 3}
    assert queries.over_budget({"queue": 4, "list": 3}, budget) == ["queue: 4 queries > budget 3"]
    assert queries.over_budget({"queue": 2, "list": 3}, budget) == []
