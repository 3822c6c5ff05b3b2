"""`make test` runs the suite in two parts; its closing line adds them up."""

from __future__ import annotations

from scripts.stack import combined_summary


def test_the_closing_line_adds_up_both_parts_and_leaves_out_what_each_left_to_the_other() -> None:
    line = combined_summary(
        "== 2 failed, 3387 passed, 3 skipped, 1 deselected, 4 warnings in 616.30s (0:10:16) ==",
        "== 1 passed, 3390 deselected in 70.10s (0:01:10) ==",
    )
    assert "2 failed, 3388 passed, 3 skipped, 4 warnings in 686.40s (616.3s + 70.1s)" in line
    assert "deselected" not in line


def test_a_part_that_ran_nothing_adds_nothing() -> None:
    line = combined_summary("== 10 passed in 1.50s ==", "== 3 deselected in 0.20s ==")
    assert "10 passed in 1.70s" in line
    assert combined_summary("", "").strip("= ").startswith("no tests ran")
