"""The honour roll (红榜), the watch list (黑榜) and the last place (末位) on a table of cases,
without a database: each unit is (score in %, tickets received, satisfaction rate in % or
None); the score is its acceptance rate (the other weights are 0) so that a case reads as
the scores it ranks. Marks: R honour roll, B watch list, L last place, - nothing."""

from __future__ import annotations

import pytest

from reports.audit import ReportRow, _rank

WEIGHTS = {"acceptance": 1.0, "resolution": 0.0, "satisfaction": 0.0}
Unit = tuple[int | None, int, int | None]


def rows_of(units: list[Unit]) -> list[ReportRow]:
    rows = []
    for i, (score, received, satisfaction) in enumerate(units):
        row = ReportRow(unit_id=i + 1, name=f"{i + 1:02d}", received=received)
        if score is not None:
            row.accepted_on_time, row.acceptance_due = score, 100
        if satisfaction is not None:
            row.satisfied, row.rated = satisfaction, 100
        rows.append(row)
    return rows


def marks(rows: list[ReportRow], last: list[int]) -> str:
    out = []
    for row in rows:
        mark = ("R" if row.red_list else "") + ("B" if row.black_list else "") + ("L" if row.unit_id in last else "")
        out.append(mark or "-")
    return " ".join(out)


def s(*scores: int | None, received: int = 5) -> list[Unit]:
    return [(score, received, None) for score in scores]


CASES = [
    # (case, units, list size, min tickets, ranks, marks)
    ("nobody", [], 5, 3, [], ""),
    ("one unit is ranked but on no list", s(90), 5, 3, [1], "-"),
    ("two units: one on each list", s(90, 50), 5, 3, [1, 2], "R BL"),
    ("everybody ties: no list, no last place", s(80, 80, 80), 5, 3, [1, 1, 1], "- - -"),
    (
        "the issue's case: score 0 with overdue tickets is on the watch list and last, never on the honour roll",
        s(100, 60, 0),
        5,
        3,
        [1, 2, 3],
        "R - BL",
    ),
    (
        "twelve units: top five, bottom five, two in the middle",
        s(95, 90, 85, 80, 75, 70, 65, 60, 55, 50, 45, 40),
        5,
        3,
        list(range(1, 13)),
        "R R R R R - - B B B B BL",
    ),
    ("lists shrink to half the ranking", s(90, 70, 50, 30, 10), 5, 3, [1, 2, 3, 4, 5], "R R - B BL"),
    (
        "a tie at the edge takes the whole group",
        s(90, 80, 80, 80, 50, 40, 30),
        2,
        3,
        [1, 2, 2, 2, 5, 6, 7],
        "R R R R - B BL",
    ),
    (
        "a tie group holding the last place reaching into both lists: watch list",
        s(90, 10, 10, 10),
        5,
        3,
        [1, 2, 2, 2],
        "R BL BL BL",
    ),
    (
        "a tie group holding the first place reaching into both lists: honour roll",
        s(90, 90, 90, 10),
        5,
        3,
        [1, 1, 1, 4],
        "R R R BL",
    ),
    ("a tie group in the middle reaching into both lists: neither", s(90, 50, 50, 10), 5, 3, [1, 2, 2, 4], "R - - BL"),
    ("a last place shared", s(90, 60, 20, 20), 5, 3, [1, 2, 3, 3], "R R BL BL"),
    ("the list size is a setting", s(90, 80, 70, 60), 1, 3, [1, 2, 3, 4], "R - - BL"),
    (
        "0 % satisfaction is never on the honour roll; the place stays empty",
        [(100, 5, 0), (80, 5, 90), (50, 5, None), (20, 5, 50)],
        5,
        3,
        [1, 2, 3, 4],
        "- R B BL",
    ),
    (
        "too few tickets: figures and score, but no rank, list or flag",
        [(100, 2, None), (80, 3, None), (40, 9, None)],
        5,
        3,
        [None, 1, 2],
        "- R BL",
    ),
    ("the minimum is a setting", [(100, 2, None), (80, 3, None), (40, 9, None)], 5, 1, [1, 2, 3], "R - BL"),
    (
        "no score (nothing fell due): not ranked",
        [(None, 5, None), (70, 5, None), (30, 5, None)],
        5,
        3,
        [None, 1, 2],
        "- R BL",
    ),
]


@pytest.mark.parametrize(("case", "units", "size", "minimum", "ranks", "expected"), CASES, ids=[c[0] for c in CASES])
def test_ranking_rules(settings, case, units, size, minimum, ranks, expected) -> None:  # type: ignore[no-untyped-def]
    settings.REPORT_LIST_SIZE = size
    settings.REPORT_MIN_TICKETS = minimum
    rows = rows_of(units)
    last = _rank(rows, WEIGHTS)
    assert [r.rank for r in rows] == ranks
    assert marks(rows, last) == expected
    assert not any(r.red_list and r.black_list for r in rows)
    assert not any(r.red_list and r.unit_id in last for r in rows)


def test_score_shows_as_points() -> None:
    row = rows_of(s(43))[0]
    _rank([row], {"acceptance": 0.3, "resolution": 0.3, "satisfaction": 0.4})
    assert (row.score, row.score_points) == (0.43, 43.0)
    assert ReportRow(unit_id=1, name="x").score_points is None
