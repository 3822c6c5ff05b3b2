"""bench/curves.py without a database: it reads bench/run.py's <N>.json results, draws the PNG
and the table, and copes with an endpoint missing at a size and with a size not measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import curves, run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def row(p95: float, requests: int = 100) -> dict[str, Any]:
    return {"requests": requests, "concurrency": 8, "errors": 0, "p50_ms": p95 / 2, "p95_ms": p95}


def result(n: int, **p95: float) -> dict[str, Any]:
    return {"mode": str(n), "concurrency": 8, "http": {name: row(ms) for name, ms in p95.items()}}


def write(directory: Path, stem: str, data: dict[str, Any]) -> None:
    (directory / f"{stem}.json").write_text(json.dumps(data))


@pytest.fixture
def results(tmp_path: Path) -> Path:
    """Three sizes; report_empty was not measured at 10,000; other runs' files lie beside them."""
    write(tmp_path, "10000", result(10_000, floor=10, queue=60, report=80))
    write(tmp_path, "100000", result(100_000, floor=12, queue=66, report=150, report_empty=40))
    write(tmp_path, "1000000", result(1_000_000, floor=11, queue=70, report=290, report_empty=42))
    write(tmp_path, "full", result(1_000_000, floor=9, queue=999))
    write(tmp_path, "small-only", result(10_000, floor=9, queue=999))
    return tmp_path


def test_the_chart_is_drawn_from_every_size_present(results, tmp_path):
    out = tmp_path / "img" / "curves.png"

    code = curves.main(["--results", str(results), "--out", str(out)])

    assert code == 0
    assert out.read_bytes().startswith(PNG_MAGIC)
    assert out.stat().st_size > 10_000  # a drawn chart, not an empty canvas


def test_only_the_numbered_results_are_sizes(results):
    runs = curves.load(results)

    assert list(runs) == [10_000, 100_000, 1_000_000]
    assert curves.p95s(runs)["queue"] == {10_000: 60.0, 100_000: 66.0, 1_000_000: 70.0}


def test_an_endpoint_missing_at_a_size_has_no_point_there(results, tmp_path):
    runs = curves.load(results)

    points = curves.p95s(runs)
    table = curves.table(runs)

    assert points["report_empty"] == {100_000: 40.0, 1_000_000: 42.0}
    assert "| report_empty | — | 40.0 (3.3) | 42.0 (3.8) |" in table
    assert "| floor | 10.0 | 12.0 | 11.0 |" in table
    assert list(points)[:3] == ["floor", "queue", "report"]  # the floor first, then the order of ORDER
    assert curves.draw(runs, tmp_path / "a.png").read_bytes().startswith(PNG_MAGIC)


def test_a_size_not_measured_is_left_out(tmp_path):
    write(tmp_path, "10000", result(10_000, floor=10, queue=60))
    write(tmp_path, "1000000", result(1_000_000, floor=11, queue=70, inbox=50))
    out = tmp_path / "curves.png"

    assert curves.main(["--results", str(tmp_path), "--out", str(out)]) == 0

    runs = curves.load(tmp_path)
    assert list(runs) == [10_000, 1_000_000]
    assert curves.table(runs).splitlines()[0] == "| endpoint | 10,000 p95 ms (÷ floor) | 1,000,000 p95 ms (÷ floor) |"
    assert out.read_bytes().startswith(PNG_MAGIC)


def test_no_results_draw_nothing_and_say_so(tmp_path, capsys):
    out = tmp_path / "curves.png"

    assert curves.main(["--results", str(tmp_path), "--out", str(out)]) == 1

    assert not out.exists()
    assert "run bench/run.py --tickets N" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("small", "tickets", "name", "db", "n"),
    [
        (True, None, "small", "bench_small", 10_000),
        (False, None, "full", "bench_zone", 1_000_000),
        (False, 1_000_000, "1000000", "bench_zone", 1_000_000),
        (False, 100_000, "100000", "bench_100000", 100_000),
        (False, 10_000, "10000", "bench_10000", 10_000),
    ],
)
def test_run_sizes_name_their_database_and_results(small, tickets, name, db, n):
    mode_name, mode = run.mode_for(small, tickets)

    assert (mode_name, mode["db"], mode["tickets"]) == (name, db, n)
    if tickets:  # only the table's size differs from the full mode's
        assert {k: v for k, v in mode.items() if k not in ("tickets", "db")} == {
            k: v for k, v in run.MODES["full"].items() if k not in ("tickets", "db")
        }
