"""Small things a user notices: no codes in choices, no doubled punctuation after a Chinese
question, the same empty option wherever a service is chosen."""

from __future__ import annotations

import pytest
from django.utils import translation

from web.tickets.forms import ReviewRatingForm
from web.work.forms import ProblemForm

pytestmark = pytest.mark.django_db


def test_a_chinese_question_label_gets_no_colon_after_it():
    with translation.override("zh-hans"):
        form = ReviewRatingForm()
        labels = "".join(str(form[name].label_tag()) for name in form.fields)
        assert "诉求是否合理？" in labels
        assert "？：" not in labels and "?:" not in labels
        assert "核查结论：" in labels  # a label that is not a question keeps its colon


def test_the_visit_problem_form_names_services_without_codes(world):
    with translation.override("en"):
        form = ProblemForm(prefix="p0")
        choices = list(form.fields["service_item"].choices)
        empty = (choices[0][0], str(choices[0][1]))
    assert empty == ("", "— choose a service —")
    groups = dict(choices[1:])
    assert world.item.department.name in groups
    labels = [label for options in groups.values() for _code, label in options]
    assert world.item.name in labels
    assert not any(f"({world.item.code})" in label for label in labels)


def test_the_coverage_week_is_a_week_picker(world, web_as):  # type: ignore[no-untyped-def]
    body = web_as(world.park_manager).get("/work/visits/").content.decode()
    assert 'type="week" id="week" name="week"' in body
