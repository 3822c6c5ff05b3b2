"""The bench's table judges each row by its target: the reads against the floor of the same
run, the report and the searches in milliseconds, creation in tickets a second."""

from __future__ import annotations

from typing import Any

from bench import run


def _row(p95: float, per_s: float = 10.0) -> dict[str, Any]:
    return {
        "requests": 10,
        "concurrency": 8,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95,
        "throughput_per_s": per_s,
    }


def _line(table: str, name: str) -> list[str]:
    line = next(row for row in table.splitlines() if row.startswith(f"| {name} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_each_row_is_judged_by_its_own_target() -> None:
    result = {
        "mode": "1000000",
        "dataset": {"tickets": 1_000_000, "events": 5_000_000},
        "date": "2026-12-06 21:00 UTC",
        "commit": "abc1234",
        "machine": "2 CPUs",
        "concurrency": 8,
        "queries": {},
        "http": {
            "floor": _row(20.0),
            "queue": _row(59.0),  # 2.95 × the floor
            "list": _row(61.0),  # 3.05 ×
            "inbox": _row(40.0),
            "report": _row(301.0),
            "search": _row(49.0),
            "create": _row(100.0, per_s=310.0),
        },
    }
    table = run.markdown(result)
    assert _line(table, "queue")[-2:] == ["p95 ≤ 3 × floor", "yes"]
    assert _line(table, "list")[-2:] == ["p95 ≤ 3 × floor", "no"]
    assert _line(table, "inbox")[-2:] == ["p95 ≤ 3 × floor", "yes"]
    assert _line(table, "report")[-2:] == ["p95 ≤ 300 ms", "no"]
    assert _line(table, "search")[-2:] == ["p95 ≤ 50 ms", "yes"]
    assert _line(table, "create")[-2:] == ["≥ 300 tickets/s", "yes"]
    assert _line(table, "floor")[-2:] == ["", ""]


def test_a_run_starts_without_the_throttle_histories_an_earlier_run_left() -> None:
    # the shipped cache's Redis: the histories of the run's callers are deleted, nobody else's
    from django.core.cache import cache

    cache.set("throttle_user_101", [1.0])
    cache.set("throttle_enterprise_ticket_101", [1.0])
    cache.set("throttle_user_202", [1.0])
    assert run.throttle_keys_in_redis([101]) == 1
    assert run.clear_throttles([101, 303]) == 2
    assert run.throttle_keys_in_redis([101]) == 0
    assert cache.get("throttle_enterprise_ticket_101") is None
    assert cache.get("throttle_user_202") == [1.0]
