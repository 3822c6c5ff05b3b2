"""`bench/run.py --due N` makes N escalation steps due at any size: when the seeded open
tickets run fewer ladders than that, it files new tickets until they do."""

from __future__ import annotations

import pytest

from bench import run
from tests.bench.test_query_budget import seeded  # noqa: F401  the benchmark's own seed, 300 tickets

pytestmark = pytest.mark.django_db


def test_too_few_running_ladders_are_made_up_with_new_tickets(seeded) -> None:  # noqa: F811
    # given the seed's open tickets, with fewer running ladders than asked for
    before = len(run.running_deadlines(10**6))
    wanted = before + 15
    # when the busy sweep's setup asks for them
    made = run.open_tickets_for(wanted - before)
    # then there are at least that many, from 8 new tickets (two ladders each)
    assert len(run.running_deadlines(wanted)) == wanted
    assert made == 8
