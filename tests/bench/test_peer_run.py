"""bench/peer_run.py without a network or a database: the alternating schedule, how rounds are
pooled, the ratio table and its section in docs/benchmarks.md, the peer's list query; and, when
the peer's virtualenv is there, that our wrapper around django-helpdesk loads in it."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
from base64 import b64decode
from pathlib import Path

import pytest

from bench import peer_run

ROOT = Path(__file__).resolve().parents[2]


def row(p50: float, p95: float, per_s: float, requests: int = 10, errors: int = 0) -> dict[str, object]:
    return {"requests": requests, "errors": errors, "p50_ms": p50, "p95_ms": p95, "throughput_per_s": per_s}


RESULTS = {
    "ours": {
        "list": row(20, 40, 200),
        "detail": row(10, 20, 300),
        "create": row(50, 100, 80),
        "escalation": row(1, 2, 900),
    },
    "peer": {
        "list": row(200, 400, 20),
        "detail": row(30, 80, 100),
        "create": row(60, 150, 40, errors=2),
        "escalation": row(8, 10, 100),
    },
}
META = {
    "date": "2026-12-06 03:00 UTC",
    "commit": "abc1234",
    "cpus": 2,
    "postgres": "15.8",
    "python": "CPython 3.11.7",
    "peer_python": "CPython 3.11.7",
    "peer_django": "5.2.19",
    "load": [3.9, 8.5],
    "tickets": {"ours": 100_146, "peer": 100_000},
    "concurrency": 8,
    "rounds": 3,
    "due": 500,
    "argv": "--tickets 100000",
}


def test_the_runs_alternate_ours_first_and_each_side_runs_every_round():
    order = peer_run.schedule(3)

    assert order == [(1, "ours"), (1, "peer"), (2, "ours"), (2, "peer"), (3, "ours"), (3, "peer")]
    assert all(a[1] != b[1] for a, b in itertools.pairwise(order))


def test_rounds_are_pooled_latencies_together_walls_summed_failures_counted():
    runs = [
        {"latencies": [10.0, 20.0, 30.0], "wall_s": 1.0, "errors": 0},
        {"latencies": [40.0], "wall_s": 1.0, "errors": 1},
    ]

    out = peer_run.pooled(runs, concurrency=8)

    assert out["requests"] == 5
    assert out["errors"] == 1
    assert out["p50_ms"] == 30.0
    assert out["p95_ms"] == 40.0
    assert out["throughput_per_s"] == 2.5


def test_escalation_passes_become_ms_per_step_median_and_worst():
    passes = [
        {"due": 100, "fired": 100, "seconds": 0.5},
        {"due": 100, "fired": 200, "seconds": 0.6},
        {"due": 100, "fired": 100, "seconds": 0.8},
    ]

    out = peer_run.per_step(passes)

    assert out["p50_ms"] == 5.0
    assert out["p95_ms"] == 8.0
    assert out["requests"] == 400
    assert out["throughput_per_s"] == round(400 / 1.9, 1)
    assert peer_run.per_step([{"due": 5, "fired": 0, "seconds": 0.1}])["errors"] == 1


def test_the_table_gives_the_peers_p95_over_ours_and_our_rate_over_the_peers():
    lines = peer_run.table(RESULTS)
    by_op = {line.split("|")[1].strip(): line for line in lines[2:]}

    assert list(by_op) == ["list", "detail", "create", "escalation"]
    assert by_op["list"].rstrip().endswith("| 10.0× | 10.0× |")
    assert by_op["detail"].rstrip().endswith("| 4.0× | 3.0× |")
    assert "10 / 10 (0 / 2 failed)" in by_op["create"]
    assert peer_run.ratio(None, 3.0) == "–"


def test_the_section_names_date_commit_machine_and_a_shared_machine():
    text = peer_run.section(RESULTS, META)

    assert text.startswith(peer_run.START) and text.rstrip().endswith(peer_run.END)
    for fact in ("2026-12-06 03:00 UTC", "abc1234", "2 CPUs", "PostgreSQL 15.8", "100,146", "make bench-peer"):
        assert fact in text
    assert "shared with other work" in text
    assert "quiet machine" in peer_run.section(RESULTS, {**META, "load": [0.2, 0.9]})


def test_the_section_is_appended_once_then_replaced_in_place():
    doc = "# Benchmarks\n\nbefore\n"
    first = peer_run.replace_section(doc, peer_run.section(RESULTS, META))
    again = peer_run.replace_section(first + "\nafter\n", peer_run.section(RESULTS, {**META, "commit": "def5678"}))

    assert first.startswith(doc.rstrip("\n"))
    assert again.count(peer_run.START) == 1
    assert "def5678" in again and "abc1234" not in again
    assert again.rstrip().endswith("after")


def test_a_database_is_seeded_again_unless_it_holds_about_the_tickets_asked():
    assert peer_run.stale(None, 1000)
    assert peer_run.stale(900, 1000)
    assert not peer_run.stale(1000, 1000)
    assert not peer_run.stale(1099, 1000)
    assert peer_run.stale(1200, 1000)


def test_the_peers_list_asks_for_the_officers_open_tickets_by_due_date():
    path = peer_run.datatables_path(7, 50)
    b64 = path.split("/")[2].split("?")[0]

    query = json.loads(b64decode(b64))

    assert query["filtering"] == {"status__in": [1, 2], "assigned_to__id__in": [7]}
    assert query["sorting"] == "due_date"
    assert "length=50" in path


PEER_PYTHON = Path(os.environ.get("PEER_VENV", ROOT / ".run" / "peer-venv")) / "bin" / "python"


@pytest.mark.skipif(not PEER_PYTHON.exists(), reason="the peer's virtualenv is not there (make bench-peer makes it)")
def test_our_wrapper_loads_in_the_peers_virtualenv():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "bench.peer.settings"}
    env["PEER_SECRET_KEY"] = "test"
    code = "import django; django.setup(); import helpdesk, bench.peer.urls; print(django.get_version())"

    out = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [str(PEER_PYTHON), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("5.")


def test_the_peers_rest_api_probe_is_named_in_seconds_when_it_answered():
    probe = {"api_list": {"ms": 21500, "errors": 0}, "api_detail": {"ms": None, "errors": 1}}

    assert peer_run.probe_note(probe) == (
        " (one request each on this run: list 21.5 s, detail: no answer within the client's 60 s)"
    )
    assert peer_run.probe_note({}) == ""
    assert "list 21.5 s" in peer_run.section(RESULTS, {**META, "api_probe": probe})
