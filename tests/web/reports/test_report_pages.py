"""The managers' pages: dashboard, weekly dispatch, monthly ranking, quarterly bulletin —
access, scope, figures equal to the API's, downloads, charts, bad parameters, query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from openpyxl import load_workbook

from reports.audit import COLUMN_LABELS, COLUMNS
from reports.sheets import DISPATCH_LABELS
from servicedesk import clock as sd_clock
from tests.factories import OfficerFactory
from tests.reports.test_reports import at, audit, clock, rating, ticket, world  # noqa: F401  fixtures
from tickets.models import ExtensionRequest, Status, SupervisionOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rank_small_worlds(settings):  # type: ignore[no-untyped-def]
    """These worlds give each officer one or two tickets: rank from one (the rule's own cases,
    with the default minimum, are in test_ranking_rules.py)."""
    settings.REPORT_MIN_TICKETS = 1


PAGES = ["dashboard", "reports-dispatch", "reports-ranking", "reports-bulletin"]


def browser(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def body(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def units(html: str) -> set[int]:
    return {int(u) for u in re.findall(r'data-unit="(\d+)"', html)}


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("dashboard", "Dashboard"),
        ("reports-dispatch", "Weekly dispatch"),
        ("reports-ranking", "Monthly ranking"),
        ("reports-bulletin", "Quarterly bulletin"),
    ],
)
def test_pages_render_for_a_manager_in_english(audit, name, heading) -> None:  # noqa: F811
    response = browser(audit.park_manager).get(reverse(name))
    assert response.status_code == 200
    html = body(response)
    assert f"<h1>{heading}" in html
    assert 'lang="en"' in html


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["chief", "company"])
def test_officers_and_enterprises_are_refused(audit, name, who) -> None:  # noqa: F811
    client = browser(getattr(audit, who))
    assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse(name), {"format": "csv"}).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_only_read(audit, name) -> None:  # noqa: F811
    assert browser(audit.admin).post(reverse(name), {"month": "2026-10"}).status_code == 405


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_sign_in(client, name) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_manager_nav_links_the_pages(audit) -> None:  # noqa: F811
    html = body(browser(audit.zone_manager).get(reverse("dashboard")))
    for name in PAGES:
        assert f'href="{reverse(name)}"' in html


# --- monthly ranking -------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["officers", "departments", "parks"])
@pytest.mark.parametrize("who", ["admin", "park_manager", "dept_head"])
def test_ranking_figures_equal_the_api(audit, api_as, level, who) -> None:  # noqa: F811
    user = getattr(audit, who)
    page = browser(user).get(reverse("reports-ranking"), {"month": "2026-10", "level": level, "all": "1"})
    assert page.status_code == 200
    report = page.context["report"]
    assert (report.period.start.isoformat(), report.period.end.isoformat()) == ("2026-10-01", "2026-11-01")
    api = api_as(user).get(f"/api/v1/reports/{level}/", {"period": "month", "at": "2026-10-15"}).json()
    assert [row.as_dict() for row in report.rows] == api["results"]
    assert units(body(page)) == {row["unit_id"] for row in api["results"]}


def test_quiet_rows_are_hidden_until_asked_and_counts_link_to_their_tickets(audit) -> None:  # noqa: F811
    page = browser(audit.admin).get(reverse("reports-ranking"), {"month": "2026-10", "level": "officers"})
    shown = {row.unit_id for row in page.context["rows"]}
    quiet = {row.unit_id for row in page.context["report"].rows} - shown
    assert all(not row.received for row in page.context["report"].rows if row.unit_id in quiet)
    html = body(page)
    if quiet:
        assert "more with nothing in this period" in html and "all=1" in html
    row = next(r for r in page.context["rows"] if r.received)
    link = f"?tab=all&amp;owner={row.unit_id}&amp;filed_from=2026-10-01&amp;filed_to=2026-11-01"
    assert link in html


def test_ranking_shows_numerators_denominators_and_marks(audit) -> None:  # noqa: F811
    html = body(browser(audit.admin).get(reverse("reports-ranking"), {"month": "2026-10"}))
    # the other officer: accepted late (0 / 1), last in October and in September → 约谈
    row = re.search(rf'<tr data-unit="{audit.other_officer.pk}"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None
    assert "0 / 1" in row.group(1)
    assert "Last place" in row.group(1) and "Admonishing talk" in row.group(1)
    power = re.search(rf'<tr data-unit="{audit.power_officer.pk}"[^>]*>(.*?)</tr>', html, re.S)
    assert power is not None and "1 / 1" in power.group(1) and "(100 %)" in power.group(1)
    assert "Honour roll" in power.group(1) and '<td class="num">100.0</td>' in power.group(1)


def test_ranking_period_navigation(audit, settings) -> None:  # noqa: F811
    settings.ASSESSMENT_MONTH_START_DAY = 19
    page = browser(audit.admin).get(reverse("reports-ranking"), {"level": "parks"})
    # today is 2026-11-17: the assessment month that started on 10-19
    assert page.context["period_name"] == "2026-10"
    html = body(page)
    assert "2026-10-19 – 2026-11-18" in html
    assert 'href="/reports/ranking/?level=parks&amp;month=2026-09"' in html
    assert 'href="/reports/ranking/?level=parks&amp;month=2026-11"' in html


def test_ranking_scope_never_shows_another_park(audit) -> None:  # noqa: F811
    html = body(browser(audit.park_manager).get(reverse("reports-ranking"), {"month": "2026-10", "level": "parks"}))
    assert units(html) == {audit.park.pk}
    html = body(browser(audit.other_park_manager).get(reverse("reports-ranking"), {"level": "parks"}))
    assert units(html) == {audit.other_park.pk}


def test_ranking_downloads_parse_back(audit, api_as) -> None:  # noqa: F811
    client = browser(audit.admin)
    api = api_as(audit.admin).get("/api/v1/reports/officers/", {"period": "month", "at": "2026-10-15"}).json()
    expected = {row["name"]: row for row in api["results"]}
    other_name = expected_name(api, audit.other_officer.pk)

    response = client.get(reverse("reports-ranking"), {"month": "2026-10", "format": "csv"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "ranking-2026-10-officers.csv" in response["Content-Disposition"]
    rows = [named(r) for r in csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig")))]
    assert {r["name"] for r in rows} == set(expected)
    assert "unit_id" not in rows[0]  # for people: no database ids
    other = next(r for r in rows if r["name"] == other_name)
    assert (other["accepted_on_time"], other["acceptance_due"], other["acceptance_rate"]) == ("0", "1", "0.0%")
    assert (other["flagged_last"], other["flagged_talk"], other["red_list"]) == ("Last place", "Called to a talk", "")

    response = client.get(reverse("reports-ranking"), {"month": "2026-10", "level": "officers", "format": "xlsx"})
    assert response.status_code == 200 and response.streaming
    assert "ranking-2026-10-officers.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.getvalue()))
    sheet = workbook.active
    title, header, *data = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert title[0] == "Monthly ranking · Officers · the whole zone · 2026-10 (2026-10-01 – 2026-10-31)"
    assert sheet.freeze_panes == "B3"
    assert sheet["A2"].font.bold and sheet.column_dimensions["A"].width >= 10
    by_name = {r[0]: named(dict(zip(header, r, strict=True))) for r in data}
    assert set(by_name) == set(expected)
    power_name = expected_name(api, audit.power_officer.pk)
    power = by_name[power_name]
    assert (power["score"], power["rank"], power["red_list"]) == (
        round(expected[power_name]["score"] * 100, 1),
        expected[power_name]["rank"],
        "Honour roll",
    )
    rate_column = header.index(str(COLUMN_LABELS["acceptance_rate"])) + 1
    power_row = next(i for i, r in enumerate(data, start=3) if r[0] == power_name)
    assert sheet.cell(row=power_row, column=rate_column).number_format == "0.0%"
    assert sheet.cell(row=power_row, column=rate_column).value == 1.0


def expected_name(api: dict, pk: int) -> str:  # type: ignore[type-arg]
    return next(row["name"] for row in api["results"] if row["unit_id"] == pk)


# --- weekly dispatch -------------------------------------------------------------------------


@pytest.fixture
def dispatch_world(audit):  # type: ignore[no-untyped-def]  # noqa: F811
    """On top of the audit (today 2026-11-17, week 2026-W47 = 11-16 … 11-23): the chief's T0b
    gets a pending extension; T2's supervision order is still unanswered; the power officer
    files one due on Thursday and one received today."""
    w = audit
    t0b = w.chief.owned_tickets.get(created_at=at(9, 22, 10))
    ExtensionRequest.objects.create(
        ticket=t0b,
        requested_by=w.chief,
        previous_resolve_due_at=at(11, 17, 12),
        new_resolve_due_at=at(11, 30, 12),
        reason="r",
        created_at=at(11, 16, 9),
    )
    ticket(
        w,
        owner=w.power_officer,
        department=w.power_dept,
        created_at=at(11, 17, 9),
        accept_due_at=at(11, 17, 13),
        resolve_due_at=at(11, 19, 17, 30),
        status=Status.SUBMITTED,
    )
    return w


def test_dispatch_sheet_by_hand(dispatch_world) -> None:
    w = dispatch_world
    page = browser(w.admin).get(reverse("reports-dispatch"))
    assert page.status_code == 200
    assert page.context["period_name"] == "2026-W47"
    rows = {r.officer_id: r for r in page.context["rows"]}
    chief, deputy, other, power = (rows[u.pk] for u in (w.chief, w.deputy, w.other_officer, w.power_officer))
    assert (chief.open, chief.overdue_now, chief.pending_extensions, chief.supervision_open) == (2, 0, 1, 1)
    assert (deputy.open, deputy.overdue_now) == (1, 1)
    assert (other.open, other.overdue_now) == (2, 1)
    assert (power.received, power.open, power.due_this_week) == (1, 1, 1)
    # the urgent first: overdue, then unanswered supervision orders
    assert [r.officer_id for r in page.context["rows"]][:2] in (
        [deputy.officer_id, other.officer_id],
        [
            other.officer_id,
            deputy.officer_id,
        ],
    )
    html = body(page)
    assert 'href="/reports/dispatch/?week=2026-W46"' in html and 'href="/reports/dispatch/?week=2026-W48"' in html
    # another week: received and due move, the open counts are as of now
    earlier = browser(w.admin).get(reverse("reports-dispatch"), {"week": "2026-W41"}).context["rows"]
    power_then = next(r for r in earlier if r.officer_id == w.power_officer.pk)
    assert (power_then.received, power_then.open, power_then.due_this_week) == (1, 1, 0)


def test_dispatch_scope(dispatch_world) -> None:
    w = dispatch_world
    rows = browser(w.dept_head).get(reverse("reports-dispatch")).context["rows"]
    assert [r.officer_id for r in rows] == [w.power_officer.pk]
    rows = {r.officer_id: r for r in browser(w.park_manager).get(reverse("reports-dispatch")).context["rows"]}
    # the other officer's tickets are in the other park
    assert rows[w.other_officer.pk].open == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dispatch_downloads_parse_back(dispatch_world, fmt) -> None:
    w = dispatch_world
    response = browser(w.admin).get(reverse("reports-dispatch"), {"week": "2026-W47", "format": fmt})
    assert response.status_code == 200
    assert f"dispatch-2026-W47.{fmt}" in response["Content-Disposition"]
    if fmt == "csv":
        rows = [list(r) for r in csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")))]
    else:
        sheet = load_workbook(io.BytesIO(response.getvalue()), read_only=True).active
        rows = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
        title, *rows = rows
        assert title[0].startswith("Weekly dispatch · the whole zone · 2026-W47 (2026-11-16 – 2026-11-22)")
    header, *data = rows
    assert header[:2] == ["Officer", "Received this week"]  # for people: the page's own names, no ids
    chief = named(dict(zip(header, next(r for r in data if r[0] == "王首席"), strict=True)), DISPATCH_LABELS)
    assert (chief["name"], chief["open"], chief["pending_extensions"], chief["supervision_open"]) == (
        "王首席",
        "2",
        "1",
        "1",
    )


# --- quarterly bulletin ----------------------------------------------------------------------


def test_bulletin_figures_equal_the_api(audit, api_as) -> None:  # noqa: F811
    page = browser(audit.admin).get(reverse("reports-bulletin"), {"quarter": "2026-Q4"})
    assert page.status_code == 200
    bulletin = page.context["bulletin"]
    for level in ("parks", "departments", "officers"):
        api = api_as(audit.admin).get(f"/api/v1/reports/{level}/", {"period": "quarter", "at": "2026-10-15"}).json()
        assert [r.as_dict() for r in getattr(bulletin, level).rows] == api["results"]
    assert [r.unit_id for r in bulletin.talks] == [audit.other_officer.pk]  # last in Q3 and Q4
    parks = api_as(audit.admin).get("/api/v1/reports/parks/", {"period": "quarter", "at": "2026-10-15"}).json()
    assert bulletin.totals["escalations"] == sum(r["escalations"] for r in parks["results"]) == 1
    assert bulletin.totals["supervision_orders"] == sum(r["supervision_orders"] for r in parks["results"]) == 1
    html = body(page)
    assert "Called to an admonishing talk" in html
    assert "@media print" not in html  # the print layout lives in the stylesheet
    assert 'href="/reports/bulletin/?quarter=2026-Q3"' in html and 'href="/reports/bulletin/?quarter=2027-Q1"' in html


def test_bulletin_xlsx_has_a_sheet_per_level_and_csv_a_section(audit) -> None:  # noqa: F811
    client = browser(audit.park_manager)
    response = client.get(reverse("reports-bulletin"), {"quarter": "2026-Q4", "format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    assert workbook.sheetnames == ["Parks", "Departments", "Officers"]
    parks = [list(r) for r in workbook["Parks"].iter_rows(values_only=True)]
    assert [r[0] for r in parks[2:]] == [audit.park.name]  # scope
    assert audit.park.name in parks[0][0] and "2026-Q4" in parks[0][0]  # the title row names the scope
    text = client.get(reverse("reports-bulletin"), {"quarter": "2026-Q4", "format": "csv"}).getvalue()
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert ["Parks"] in lines and ["Departments"] in lines and ["Officers"] in lines


def test_the_pages_downloads_are_headed_in_the_readers_language_and_the_apis_by_field(audit, api_as) -> None:  # noqa: F811
    """Managers open the page's downloads in a spreadsheet: Chinese column names by default.
    The API's download is for programs: the field names, whatever the language."""
    client = browser(audit.admin)
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]  # the site's default language
    text = client.get(reverse("reports-ranking"), {"month": "2026-10", "format": "csv"}).getvalue().decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[:2] == ["名称", "收件数"]
    assert "满意率" in header and "约谈" in header and "应签收数" in header  # not the ticket page's 受理截止时间
    workbook = load_workbook(io.BytesIO(client.get(reverse("reports-bulletin"), {"format": "xlsx"}).getvalue()))
    assert workbook.sheetnames == ["园区", "部门", "服务专员"]
    api = api_as(audit.admin).get("/api/v1/reports/officers/", {"period": "month", "format": "csv"})
    assert next(csv.reader(io.StringIO(api.getvalue().decode("utf-8-sig")))) == list(COLUMNS)


def named(row: dict, labels: dict | None = None) -> dict:  # type: ignore[type-arg]
    """A downloaded row by the API's field names (the downloads head columns by `labels`)."""
    by_label = {str(label): name for name, label in (labels or COLUMN_LABELS).items()}
    return {by_label[key]: value for key, value in row.items()}


# --- dashboard -------------------------------------------------------------------------------


@pytest.mark.urls("tests.web.reports.report_urls_stub")
def test_dashboard_counts_link_to_the_queue(audit) -> None:  # noqa: F811
    w = audit
    rectification = ticket(
        w,
        owner=w.deputy,
        department=w.service_dept,
        created_at=at(11, 16, 9),
        accept_due_at=at(11, 16, 12),
        accepted_at=at(11, 16, 10),
        resolve_due_at=at(11, 17, 17, 30),  # due today
        status=Status.IN_PROGRESS,
        is_rectification=True,
    )
    page = browser(w.park_manager).get(reverse("dashboard"))
    assert page.status_code == 200
    parks = {item["row"].unit_id: item for item in page.context["by_park"]}
    assert set(parks) == {w.park.pk}  # never another park
    park = parks[w.park.pk]["row"]
    # open in the park: T2, T4 (overdue), T0b, the rectification (due today)
    assert (park.open, park.due_today, park.overdue) == (4, 1, 1)
    assert page.context["totals"] == {"open": 4, "due_today": 1, "overdue": 1}
    departments = {item["row"].unit_id: item["row"] for item in page.context["by_department"]}
    assert (departments[w.service_dept.pk].open, departments[w.service_dept.pk].overdue) == (4, 1)
    html = body(page)
    assert f'href="/work/?park={w.park.pk}&amp;overdue=1"' in html
    assert f'href="/work/?department={w.service_dept.pk}&amp;overdue=1"' in html
    assert f'href="/tickets/{rectification.number}/"' in html
    assert page.context["waiting"].unchecked_bad_reviews == 0
    # a bad review waiting for its check links to the ticket, where it is checked
    t4 = w.deputy.owned_tickets.get(status=Status.SUBMITTED)
    rating(t4, 2, at(11, 16, 9))
    other_park = w.other_officer.owned_tickets.filter(status=Status.IN_PROGRESS).first()
    rating(other_park, 1, at(11, 16, 9))
    page = browser(w.park_manager).get(reverse("dashboard"))
    assert page.context["waiting"].unchecked_bad_reviews == 1
    assert f'href="/tickets/{t4.number}/"' in body(page)
    assert other_park.number not in body(page)


def test_dashboard_without_the_queue_shows_plain_counts(audit) -> None:  # noqa: F811
    page = browser(audit.admin).get(reverse("dashboard"))
    assert page.status_code == 200
    try:
        reverse("work-queue")
    except NoReverseMatch:  # the queue lands with another branch
        assert "?park=" not in body(page)


def test_dashboard_waiting_counts_and_ranking(audit) -> None:  # noqa: F811
    w = audit
    t4 = w.deputy.owned_tickets.get(status=Status.SUBMITTED)
    rating(t4, 1, at(11, 16, 9))
    page = browser(w.admin).get(reverse("dashboard"))
    assert page.context["waiting"].unchecked_bad_reviews == 1
    assert page.context["waiting"].pending_extensions == 0
    # November so far: nobody received a ticket, so nobody is ranked and both lists are empty
    assert page.context["red_list"] == [] and page.context["black_list"] == []
    assert "Ranking of the month 2026-11" in body(page)


def test_dashboard_charts_one_point_per_week(audit) -> None:  # noqa: F811
    w = audit
    monday = at(11, 16, 9)  # this week's Monday
    for i in range(12):
        filed = monday - timedelta(weeks=i)
        ticket(
            w,
            owner=w.chief,
            department=w.service_dept,
            created_at=filed,
            accept_due_at=filed + timedelta(hours=4),
            accepted_at=filed + timedelta(minutes=30),
            first_response_at=filed + timedelta(minutes=30 + i),
            resolved_at=filed + timedelta(hours=2),
            resolve_due_at=filed + timedelta(days=3),
            status=Status.RESOLVED,
        )
    page = browser(w.admin).get(reverse("dashboard"))
    html = body(page)
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert svg.count('<circle class="point"') == 12
        assert "<polyline" in svg
    weeks = page.context["weeks"]
    assert len(weeks) == 12 and weeks[-1].period.start.isoformat() == "2026-11-16"
    # each week one ticket i weeks back: 30 + i working minutes to respond, 120 to resolve
    # (leaving out the audit's week and the National Day week, which hold other tickets)
    for i, point in enumerate(reversed(weeks)):
        if point.period.start.isoformat() not in ("2026-09-28", "2026-10-05"):
            assert (point.first_response_median, point.resolution_median) == (30.0 + i, 120.0)
    assert weeks[5].period.start.isoformat() == "2026-10-05" and weeks[5].tickets == 4
    table = re.search(r'<table class="chart-data">.*?</table>', html, re.S)
    assert table is not None and table.group(0).count("<tr>") == 13  # header and 12 weeks
    # the same medians from the working seconds stored with the tickets (tickets.sla.spent)
    from tickets.sla import spent

    assert spent.recompute() > 12
    stored = browser(w.admin).get(reverse("dashboard")).context["weeks"]
    assert [(p.first_response_median, p.resolution_median, p.tickets) for p in stored] == [
        (p.first_response_median, p.resolution_median, p.tickets) for p in weeks
    ]


def test_dashboard_is_refused_outside_the_managers(audit) -> None:  # noqa: F811
    assert browser(audit.deputy).get(reverse("dashboard")).status_code == 403


# --- bad parameters: 400 with a message, never a 500 -------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("reports-ranking", {"month": "2026-13"}, "YYYY-MM"),
        ("reports-ranking", {"month": "2026-1"}, "YYYY-MM"),
        ("reports-ranking", {"month": "x" * 500}, "YYYY-MM"),
        ("reports-ranking", {"month": "1999-01"}, "YYYY-MM"),
        ("reports-ranking", {"level": "zones"}, "officers, departments or parks"),
        ("reports-ranking", {"format": "pdf"}, "csv or xlsx"),
        ("reports-dispatch", {"week": "2026-W54"}, "YYYY-Www"),
        ("reports-dispatch", {"week": "2026-47"}, "YYYY-Www"),
        ("reports-dispatch", {"week": "2026-W47", "format": "json"}, "csv or xlsx"),
        ("reports-bulletin", {"quarter": "2026-Q5"}, "YYYY-Qn"),
        ("reports-bulletin", {"quarter": "2026-Q0"}, "YYYY-Qn"),
        ("reports-bulletin", {"quarter": "Q1-2026"}, "YYYY-Qn"),
    ],
)
def test_bad_params_are_400_with_a_message(audit, name, params, message) -> None:  # noqa: F811
    response = browser(audit.admin).get(reverse(name), params)
    assert response.status_code == 400
    html = body(response)
    assert 'class="errors"' in html and message in html


# --- query counts ----------------------------------------------------------------------------


def _more_data(w, n: int) -> None:  # type: ignore[no-untyped-def]
    officer = OfficerFactory(department=w.service_dept)
    now = sd_clock.now()
    for i in range(n):
        t = ticket(
            w,
            owner=officer if i % 2 else w.chief,
            department=w.service_dept,
            created_at=now - timedelta(days=i * 3 + 1),
            accept_due_at=now - timedelta(days=i * 3),
            accepted_at=now - timedelta(days=i * 3, hours=1),
            first_response_at=now - timedelta(days=i * 3, minutes=30),
            resolve_due_at=now + timedelta(days=1),
            status=Status.IN_PROGRESS,
            is_rectification=bool(i % 3 == 0),
            overdue=bool(i % 4 == 0),
        )
        rating(t, 1 + i % 5, now - timedelta(hours=i + 1))
        SupervisionOrder.objects.create(
            ticket=t, deadline_kind="resolve", answer_due_at=now + timedelta(days=1), created_at=now
        )


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("dashboard", {}),
        ("reports-dispatch", {}),
        ("reports-ranking", {"level": "officers"}),
        ("reports-bulletin", {}),
        ("reports-ranking", {"format": "csv"}),
        ("reports-bulletin", {"format": "xlsx"}),
    ],
)
def test_query_count_does_not_grow_with_the_data(audit, name, params, django_assert_max_num_queries) -> None:  # noqa: F811
    client = browser(audit.park_manager)
    _more_data(audit, 3)
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse(name), params)
        if response.streaming:
            response.getvalue()
    assert response.status_code == 200
    _more_data(audit, 25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(name), params)
        if response.streaming:
            response.getvalue()
    assert response.status_code == 200


# --- the default language and the period names -------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_pages_render_in_chinese_by_default(audit, name) -> None:  # noqa: F811
    client = Client()
    client.force_login(audit.zone_manager)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'lang="zh-CN"' in body(response)


@pytest.mark.parametrize("start_day", [1, 19])
@pytest.mark.parametrize(
    ("kind", "name", "previous", "following", "start", "end"),
    [
        ("week", "2026-W01", "2025-W52", "2026-W02", "2025-12-29", "2026-01-05"),
        ("week", "2026-W53", "2026-W52", "2027-W01", "2026-12-28", "2027-01-04"),
        ("month", "2026-01", "2025-12", "2026-02", "2026-01-{d}", "2026-02-{d}"),
        ("quarter", "2026-Q1", "2025-Q4", "2026-Q2", "2026-01-{d}", "2026-04-{d}"),
        ("quarter", "2026-Q4", "2026-Q3", "2027-Q1", "2026-10-{d}", "2027-01-{d}"),
    ],
)
def test_period_names_round_trip(settings, start_day, kind, name, previous, following, start, end) -> None:
    from reports import period_following, period_from_page, period_name

    settings.ASSESSMENT_MONTH_START_DAY = start_day
    period = period_from_page({kind: name}, kind)
    day = f"{start_day:02d}"
    assert (period.start.isoformat(), period.end.isoformat()) == (start.format(d=day), end.format(d=day))
    assert period_name(period) == name
    assert period_name(period.previous()) == previous
    assert period_name(period_following(period)) == following


def test_dashboard_scope_of_a_department_head(audit) -> None:  # noqa: F811
    w = audit
    ticket(
        w,
        owner=w.power_officer,
        department=w.power_dept,
        created_at=at(11, 16, 9),
        accept_due_at=at(11, 16, 12),
        resolve_due_at=at(11, 17, 17, 30),
        status=Status.SUBMITTED,
        is_rectification=True,
    )
    page = browser(w.dept_head).get(reverse("dashboard"))
    assert page.status_code == 200
    assert [item["row"].unit_id for item in page.context["by_department"]] == [w.power_dept.pk]
    assert page.context["totals"] == {"open": 1, "due_today": 1, "overdue": 0}
    assert [item["ticket"].department_id for item in page.context["rectifications"]] == [w.power_dept.pk]
    assert {r.unit_id for r in page.context["red_list"] + page.context["black_list"]} <= {w.power_officer.pk}


def test_dashboard_warns_managers_about_next_years_calendar_from_november(audit) -> None:  # noqa: F811
    from servicedesk.calendar import default_calendar
    from servicedesk.models import CalendarDay

    page = browser(audit.admin).get(reverse("dashboard"))  # November 2026, only 2026 loaded
    assert page.context["calendar_missing"] == "2027"
    assert "no holidays or make-up working days for 2027" in body(page)
    CalendarDay.objects.create(
        calendar=default_calendar(), date=sd_clock.today_local().replace(year=2027, month=1, day=1), kind="holiday"
    )
    page = browser(audit.admin).get(reverse("dashboard"))
    assert page.context["calendar_missing"] == ""
    assert "make-up working days" not in body(page)
