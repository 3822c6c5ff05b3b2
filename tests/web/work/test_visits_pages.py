"""走访 pages: the visit log, logging a visit whose problems become tickets in the same step,
photos, field errors with nothing written, scoping and role checks, CSRF, query counts."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.tickets.conftest import T0
from tickets.models import Ticket
from visits import services as visits
from visits.models import Visit, VisitPhoto, VisitProblem

pytestmark = pytest.mark.django_db

WHEN = (T0 - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def _png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def _post(world: Any, problems: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    problems = problems or []
    data: dict[str, Any] = {
        "enterprise": world.enterprise.pk,
        "visited_at": WHEN,
        "method": "on_site",
        "people_met": "张总",
        "summary": "了解新厂房建设进度",
        "problems-TOTAL_FORMS": str(len(problems)),
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "50",
    }
    for index, problem in enumerate(problems):
        row = {"kind": "help", "priority": "normal", **problem}
        for key, value in row.items():
            if key == "to_ticket" and not value:
                continue
            data[f"problems-{index}-{key}"] = "on" if value is True else value
    data.update(fields)
    return data


def _log(world: Any, **overrides: Any) -> Visit:
    return visits.visit_create(
        actor=world.chief,
        enterprise=world.enterprise,
        visited_at=T0 - timedelta(hours=2),
        summary=overrides.pop("summary", "例行走访"),
        **overrides,
    )


# --- logging a visit --------------------------------------------------------------------------


def test_the_form_offers_only_the_officers_own_enterprises(world, web_as):
    response = web_as(world.chief).get(reverse("work-visit-new"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.enterprise.name in body
    assert world.other_enterprise.name not in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<label for="id_summary"' in body
    assert world.item.code in body  # the catalogue for the problems


def test_marked_problems_become_tickets_in_one_step_and_the_result_links_them(world, web_as):
    client = web_as(world.chief)
    data = _post(
        world,
        problems=[
            {"description": "新厂房需要接入 10kV 电源", "to_ticket": True, "service_item": world.item.code},
            {"description": "招工难，希望对接人社部门"},
            {"description": "咨询加计扣除政策", "to_ticket": True, "service_item": world.item.code, "kind": "enquiry"},
        ],
    )
    response = client.post(reverse("work-visit-new"), data)

    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("work-visit-detail", args=[visit.pk])
    assert (visit.officer, visit.enterprise, visit.summary) == (world.chief, world.enterprise, "了解新厂房建设进度")
    problems = list(VisitProblem.objects.filter(visit=visit).order_by("id"))
    assert [p.ticket_id is not None for p in problems] == [True, False, True]
    tickets = list(Ticket.objects.order_by("id"))
    assert [(t.channel, t.owner, t.kind) for t in tickets] == [
        ("visit", world.chief, "help"),
        ("visit", world.chief, "enquiry"),
    ]
    page = client.get(response["Location"]).content.decode()
    for ticket in tickets:
        assert ticket.number in page
    assert "招工难" in page
    assert "2 tickets filed" in page


def test_a_photo_is_attached_with_the_visit(world, web_as):
    data = _post(world, photos=SimpleUploadedFile("现场.png", _png(), content_type="image/png"))
    response = web_as(world.chief).post(reverse("work-visit-new"), data)
    assert response.status_code == 302
    photo = VisitPhoto.objects.get()
    assert (photo.visit, photo.content_type, photo.original_name) == (Visit.objects.get(), "image/png", "现场.png")
    page = web_as(world.chief).get(response["Location"]).content.decode()
    assert f'href="/api/v1/visits/{photo.visit_id}/photos/{photo.pk}/"' in page


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"summary": "   "}, "summary"),
        ({"visited_at": "yesterday"}, "visited_at"),
        ({"visited_at": (T0 + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}, "visited_at"),
        ({"method": "pigeon"}, "method"),
        ({"enterprise": "999999"}, "enterprise"),
        ({"photos": SimpleUploadedFile("x.png", b"MZ\x90\x00" + b"\x00" * 100)}, "photos"),
    ],
)
def test_bad_input_shows_the_error_next_to_the_field_and_writes_nothing(world, web_as, change, field):
    data = _post(world, problems=[{"description": "接电", "to_ticket": True, "service_item": world.item.code}])
    response = web_as(world.chief).post(reverse("work-visit-new"), {**data, **change})
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body, body
    assert (Visit.objects.count(), Ticket.objects.count(), VisitPhoto.objects.count()) == (0, 0, 0)


def test_a_ticket_needs_a_service_item_and_the_error_is_on_the_row(world, web_as):
    data = _post(world, problems=[{"description": "好的"}, {"description": "接电", "to_ticket": True}])
    response = web_as(world.chief).post(reverse("work-visit-new"), data)
    assert response.status_code == 400
    assert 'id="id_problems-1-service_item_error"' in response.content.decode()
    assert (Visit.objects.count(), Ticket.objects.count()) == (0, 0)


def test_another_officers_enterprise_is_refused(world, web_as):
    response = web_as(world.chief).post(reverse("work-visit-new"), _post(world, enterprise=world.other_enterprise.pk))
    assert response.status_code == 400
    assert Visit.objects.count() == 0


def test_the_htmx_row_adds_a_problem_and_moves_the_form_count(world, web_as):
    response = web_as(world.chief).get(reverse("work-visit-problem-row"), {"index": "2"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="problems-2-description"' in body
    assert 'name="problems-TOTAL_FORMS" value="3"' in body and 'hx-swap-oob="true"' in body
    assert "index=3" in body
    assert web_as(world.chief).get(reverse("work-visit-problem-row"), {"index": "50"}).status_code == 400
    assert web_as(world.chief).get(reverse("work-visit-problem-row"), {"index": "x"}).status_code == 400


# --- the log, scope and roles ----------------------------------------------------------------


def test_the_log_lists_the_officers_own_visits_newest_first(world, web_as):
    older = _log(world, summary="第一次走访")
    newer = visits.visit_create(
        actor=world.chief, enterprise=world.enterprise, visited_at=T0 - timedelta(minutes=5), summary="第二次走访"
    )
    visits.visit_create(
        actor=world.other_officer,
        enterprise=world.other_enterprise,
        visited_at=T0 - timedelta(minutes=5),
        summary="别人的走访",
    )
    body = web_as(world.chief).get(reverse("work-visits")).content.decode()
    assert body.index(newer.summary) < body.index(older.summary)
    assert "别人的走访" not in body
    assert "Visit coverage" not in body  # coverage is the managers'


def test_managers_see_the_weeks_coverage(world, web_as):
    _log(world)
    response = web_as(world.park_manager).get(reverse("work-visits"))
    body = response.content.decode()
    assert "Visit coverage" in body
    assert str(world.chief) in body
    chief = next(row for row in response.context["coverage"] if row.officer == world.chief)
    assert (chief.enterprises_served, chief.visited_in_period, chief.coverage_rate) == (1, 1, 1.0)
    assert "100 %" in body
    assert "例行走访" in body
    # a bad week falls back to this week
    assert web_as(world.park_manager).get(reverse("work-visits"), {"week": "nope"}).status_code == 200


def test_someone_elses_visit_is_a_404(world, web_as):
    visit = _log(world)
    assert web_as(world.other_officer).get(reverse("work-visit-detail", args=[visit.pk])).status_code == 404
    assert web_as(world.other_park_manager).get(reverse("work-visit-detail", args=[visit.pk])).status_code == 404
    assert web_as(world.park_manager).get(reverse("work-visit-detail", args=[visit.pk])).status_code == 200
    assert web_as(world.chief).get(reverse("work-visit-detail", args=[2**70])).status_code == 404


@pytest.mark.parametrize("name", ["work-visits", "work-visit-new", "work-visit-problem-row"])
def test_enterprise_users_may_not_open_the_visit_pages(world, web_as, name):
    assert web_as(world.company).get(reverse(name)).status_code == 404  # the visit log is not theirs
    anonymous = Client().get(reverse(name))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_logging_a_visit_needs_the_csrf_token(world, web_as):
    client = web_as(world.chief, enforce_csrf_checks=True)
    assert client.post(reverse("work-visit-new"), _post(world)).status_code == 403
    assert Visit.objects.count() == 0


def test_the_log_runs_the_same_queries_for_few_and_many_visits(world, web_as, django_assert_max_num_queries):
    client = web_as(world.park_manager)
    _log(world, problems=[visits.ProblemInput(description="接电", to_ticket=True, service_item=world.item)])
    # session, user, 2 counts, the coverage (3 + the page of officers), the unread badge, the
    # page of visits and its problems, tickets and photos
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("work-visits"))
    for n in range(15):
        _log(world, problems=[visits.ProblemInput(description=f"问题{n}", to_ticket=True, service_item=world.item)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("work-visits"))
    assert response.context["page_obj"].paginator.count == 16


def test_empty_extra_rows_as_a_browser_sends_them_are_ignored(world, web_as):
    data = _post(world, problems=[{"description": "接电", "to_ticket": True, "service_item": world.item.code}, {}])
    data.update({"problems-1-description": "", "problems-1-service_item": ""})  # the untouched row
    response = web_as(world.chief).post(reverse("work-visit-new"), data)
    assert response.status_code == 302, response.content.decode()
    assert VisitProblem.objects.count() == 1 and Ticket.objects.count() == 1


def test_the_pages_speak_chinese_by_default(world, client):
    client.force_login(world.chief)
    body = client.get(reverse("work-visits")).content.decode()
    assert 'lang="zh-CN"' in body


def test_a_photo_refused_by_the_service_rolls_back_the_visit_and_its_tickets(world, web_as, monkeypatch):
    from servicedesk.errors import TooLarge

    def refuse(**kwargs: Any) -> None:
        raise TooLarge("The file is larger than the limit.")

    monkeypatch.setattr(visits, "visit_photo_add", refuse)
    data = _post(
        world,
        problems=[{"description": "接电", "to_ticket": True, "service_item": world.item.code}],
        photos=SimpleUploadedFile("现场.png", _png(), content_type="image/png"),
    )
    response = web_as(world.chief).post(reverse("work-visit-new"), data)
    assert response.status_code == 400
    assert 'id="id_photos_error"' in response.content.decode()
    assert (Visit.objects.count(), VisitProblem.objects.count(), Ticket.objects.count()) == (0, 0, 0)
