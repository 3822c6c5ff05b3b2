"""The multi-node test: two web processes, two workers, two beats, PostgreSQL with a
standby, Redis under Sentinel; a mixed load while one of each is killed (tests/scaleout/
multinode.py), for `MULTINODE_SECONDS` of load. Even its short mode takes ~75 s with the
set-up, so it runs only when that is set: `make scaleout` (three minutes of load), or
`MULTINODE_SECONDS=16 make scaleout` (the short mode)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.procs import SentinelGroup, postgres_bindir
from tests.scaleout.multinode import run

# two of everything plus three Sentinels under load: a second test process beside it would
# starve it of CPU and time its requests out, so `make test` runs it on its own
pytestmark = [pytest.mark.e2e, pytest.mark.alone]


def test_two_of_everything_lose_nothing_and_repeat_nothing_when_one_of_each_is_killed(tmp_path: Path) -> None:
    if not os.environ.get("MULTINODE_SECONDS"):
        pytest.skip("the multi-node run takes minutes: `make scaleout` (MULTINODE_SECONDS=16 for its short mode)")
    bindir = postgres_bindir()
    if bindir is None or not (bindir / "pg_basebackup").exists() or not SentinelGroup.available():
        pytest.skip("needs PostgreSQL (initdb, pg_basebackup) and Debian's redis-server and redis-sentinel")
    seconds = float(os.environ["MULTINODE_SECONDS"])
    figures = run(seconds, tmp_path)
    print("\n" + figures.report())
    assert figures.accepted > 10, "too little load to say anything"
    assert figures.lost == 0
    assert figures.duplicated == 0
    assert figures.steps_once == figures.steps_due
    assert figures.step_events_repeated == 0
    assert figures.delivered_once == figures.notifications
    assert figures.webhooks_heard == figures.webhooks
    # a worker killed in the middle of a POST may have been heard before it could mark the row sent
    assert figures.webhook_repeats <= 2
    assert figures.server_errors_outside_windows == 0
    assert figures.no_answer_outside_windows == 0
    assert figures.takeover_seconds is not None and figures.takeover_seconds < 60
