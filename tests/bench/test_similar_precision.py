"""bench/similar_precision.py judges the similar tickets shown against the labels correctly
(the figure itself is in docs/triage.md)."""

from __future__ import annotations

import pytest

from bench.similar_precision import Result, in_half, measure, sample, score

GROUP_OF = {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: None}
SHOWN = {1: [2, 6, 4], 2: [], 3: [1, 2], 4: [6], 5: [4]}


def test_precision_recall_and_hit_rate_count_what_was_shown_against_the_labels():
    # k=1: 1→2 right, 2→nothing, 3→1 right, 4→6 wrong, 5→4 right; every ticket of group 0 has
    # two duplicates, of group 1 one: 3×2 + 2×1 = 8
    assert score(SHOWN, GROUP_OF, 1) == Result(k=1, queries=5, shown=4, hits=3, duplicates=8, queries_with_hit=3)
    at3 = score(SHOWN, GROUP_OF, 3)
    assert (at3.shown, at3.hits) == (7, 4)  # 1→[2 right, 6, 4 of another group], 3→[1, 2 right]
    assert (at3.precision, at3.recall, at3.hit_rate) == (4 / 7, 4 / 8, 3 / 5)


def test_nothing_shown_is_no_precision_and_an_unlabelled_question_is_refused():
    assert score({1: []}, GROUP_OF, 5).precision is None
    with pytest.raises(ValueError):
        score({6: [1]}, GROUP_OF, 1)


def test_the_tuning_half_and_the_report_half_split_the_groups_and_leave_out_non_duplicates():
    groups = [0, 1, 2, 3, None]
    assert [g for g in groups if in_half(g, "tune")] == [0, 2]
    assert [g for g in groups if in_half(g, "report")] == [1, 3]
    assert [g for g in groups if in_half(g, "all")] == [0, 1, 2, 3]


@pytest.mark.django_db
def test_the_sample_is_written_asked_and_scored():
    pipe = ("厂区门口水管爆裂", "厂区门口主管道爆裂，大量漏水，请紧急抢修。")
    power = ("车间突然停电", "今天上午车间突然全部停电，生产线停摆。")
    tickets = sample(
        {"water-repair": [[(*pipe, "a"), (*pipe, "b")]], "power-repair": [[(*power, "c"), (*power, "d")]]},
        others_per_item=0,
    )
    (at1,) = measure(tickets, ks=(1,))
    assert at1 == Result(k=1, queries=4, shown=4, hits=4, duplicates=4, queries_with_hit=4)
