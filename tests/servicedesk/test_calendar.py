"""The working calendar: settings parsing, loading from chinesecalendar and CSV (command and
admin), and the system check that warns about a year without data."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.checks import Warning
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import ProgrammingError
from django.test import Client
from django.urls import reverse

from servicedesk import clock
from servicedesk.calendar import (
    CalendarCSVError,
    chinesecalendar_entries,
    default_calendar,
    parse_calendar_csv,
    years_missing,
)
from servicedesk.checks import calendar_years_loaded
from servicedesk.models import CalendarDay, WorkCalendar
from servicedesk.validators import parse_periods, parse_weekdays
from tests.factories import AdminFactory, OfficerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:servicedesk_calendarday_import_csv"

HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY


def days(**filters: object) -> dict[dt.date, tuple[str, str, str]]:
    return {d.date: (d.kind, d.name, d.source) for d in CalendarDay.objects.filter(**filters)}


def load(*years: int) -> str:
    out = StringIO()
    args = [f"--year={y}" for y in years]
    call_command("load_calendar", *args, stdout=out)
    return out.getvalue()


def w001_years() -> list[str]:
    return [m.msg for m in calendar_years_loaded() if m.id == "servicedesk.W001"]


# --- settings parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-12:00,13:30-17:30", [(dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(17, 30))]),
        (" 08:30 - 17:00 ", [(dt.time(8, 30), dt.time(17))]),
        ("09:00-12:00,,12:00-13:00,", [(dt.time(9), dt.time(12)), (dt.time(12), dt.time(13))]),
    ],
)
def test_parse_periods_reads_ordered_periods(text: str, expected: list[tuple[dt.time, dt.time]]) -> None:
    assert parse_periods(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one period"),
        ("09:00", "not a period"),
        ("9h-12h", "not a period"),
        ("09:00-12:00-13:00", "not a period"),
        ("12:00-09:00", "ends before it starts"),
        ("09:00-09:00", "ends before it starts"),
        ("09:00-12:00,11:00-14:00", "overlaps"),
        ("13:30-17:30,09:00-12:00", "overlaps or precedes"),
    ],
)
def test_parse_periods_rejects_bad_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_periods(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12345", {1, 2, 3, 4, 5}), ("123456", {1, 2, 3, 4, 5, 6}), ("7", {7}), ("5511", {1, 5})],
)
def test_parse_weekdays_reads_iso_weekdays(text: str, expected: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(expected)


@pytest.mark.parametrize(("text", "message"), [("", "at least one"), ("0", "'0'"), ("12348", "'8'"), ("1,2", "','")])
def test_parse_weekdays_rejects_bad_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_weekdays(text)


def test_work_calendar_clean_names_both_bad_fields() -> None:
    from django.core.exceptions import ValidationError

    calendar = WorkCalendar(name="x", working_hours="17:00-09:00", working_weekdays="8")
    with pytest.raises(ValidationError) as info:
        calendar.full_clean()
    assert set(info.value.message_dict) == {"working_hours", "working_weekdays"}


# --- CSV parsing ------------------------------------------------------------------------------


def test_parse_calendar_csv_reads_header_bom_chinese_kinds_and_comments() -> None:
    text = (
        "\ufeff# 2027 arrangement\ndate,kind,name\n2027-10-01,休,国庆节\n\n"
        "2027-09-26, 班 ,国庆节调休\n2027-10-02,Holiday\n"
    )
    assert [(e.date, e.kind, e.name) for e in parse_calendar_csv(text)] == [
        (dt.date(2027, 10, 1), HOLIDAY, "国庆节"),
        (dt.date(2027, 9, 26), WORKDAY, "国庆节调休"),
        (dt.date(2027, 10, 2), HOLIDAY, ""),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-10-01\n", "line 1: expected date,kind"),
        ("date,kind,name\n2027-10-01,holiday\n2027-13-01,holiday\n", "line 3: '2027-13-01' is not a date"),
        ("2027-10-01,vacation\n", "line 1: kind must be holiday or workday"),
        ("2027-10-01,holiday\n2027-10-01,workday\n", "line 2: 2027-10-01 is listed twice"),
        ("2027-10-01,holiday," + "长" * 61 + "\n", "line 1: the name is longer than 60"),
        ('2027-10-01,holiday,"two\nlines"\nbad,holiday\n', "line 3: 'bad'"),
    ],
)
def test_parse_calendar_csv_names_the_bad_line(text: str, message: str) -> None:
    with pytest.raises(CalendarCSVError, match=message):
        parse_calendar_csv(text)


# --- load_calendar ----------------------------------------------------------------------------


def test_load_calendar_fills_2026_from_chinesecalendar() -> None:
    output = load(2026)

    loaded = days(calendar=default_calendar())
    assert len(loaded) == len(chinesecalendar_entries(2026))
    national_day = [dt.date(2026, 10, d) for d in range(1, 8)]
    for day in national_day:
        assert loaded[day] == (HOLIDAY, "国庆节", CalendarDay.Source.CHINESECALENDAR)
    assert loaded[dt.date(2026, 9, 20)][0] == WORKDAY
    assert loaded[dt.date(2026, 10, 10)][0] == WORKDAY
    assert loaded[dt.date(2026, 10, 10)][1] == "国庆节调休"
    assert sorted(d for d, (kind, _, _) in loaded.items() if kind == WORKDAY) == [
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    ]
    # An ordinary weekend is not an exception and is not stored.
    assert dt.date(2026, 10, 17) not in loaded
    assert f"{len(loaded)} created, 0 updated" in output
    assert WorkCalendar.objects.get(is_default=True).days.count() == len(loaded)


def test_load_calendar_twice_changes_nothing() -> None:
    load(2026)
    before = days()
    output = load(2026)
    assert days() == before
    assert "0 created, 0 updated" in output
    assert WorkCalendar.objects.count() == 1


def test_load_calendar_restores_an_edited_day() -> None:
    load(2026)
    CalendarDay.objects.filter(date=dt.date(2026, 10, 10)).update(kind=HOLIDAY, source=CalendarDay.Source.ADMIN)
    output = load(2026)
    assert "0 created, 1 updated" in output
    assert days()[dt.date(2026, 10, 10)] == (WORKDAY, "国庆节调休", CalendarDay.Source.CHINESECALENDAR)


def test_load_calendar_defaults_to_the_current_year() -> None:
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        output = load()
    assert output.startswith("2026 into")
    assert {d.year for d in days()} == {2026}


def test_load_calendar_without_package_data_points_to_import_calendar() -> None:
    with pytest.raises(CommandError, match="import_calendar") as info:
        load(2027)
    assert "2027" in str(info.value)
    assert not CalendarDay.objects.exists()


def test_load_calendar_writes_nothing_when_one_of_the_years_has_no_data() -> None:
    with pytest.raises(CommandError, match="2027"):
        load(2026, 2027)
    assert not CalendarDay.objects.exists()


# --- import_calendar --------------------------------------------------------------------------

GOOD_CSV = """date,kind,name
2027-10-01,holiday,国庆节
2027-10-02,休,国庆节
2027-09-26,班,国庆节调休
2026-10-10,holiday,改为放假
"""


def test_import_calendar_creates_csv_rows_and_overrides_existing_ones(tmp_path: Path) -> None:
    calendar = default_calendar()
    CalendarDay.objects.create(
        calendar=calendar, date=dt.date(2026, 10, 10), kind=WORKDAY, name="国庆节调休", source="chinesecalendar"
    )
    path = tmp_path / "2027.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    out = StringIO()

    call_command("import_calendar", str(path), stdout=out)

    assert days() == {
        dt.date(2027, 10, 1): (HOLIDAY, "国庆节", "csv"),
        dt.date(2027, 10, 2): (HOLIDAY, "国庆节", "csv"),
        dt.date(2027, 9, 26): (WORKDAY, "国庆节调休", "csv"),
        dt.date(2026, 10, 10): (HOLIDAY, "改为放假", "csv"),
    }
    assert "3 created, 1 updated" in out.getvalue()


def test_import_calendar_reads_a_gb18030_spreadsheet_export(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("日期,类型,名称\r\n2027-01-01,休,元旦\r\n".encode("gb18030"))
    call_command("import_calendar", str(path), stdout=StringIO())
    assert days() == {dt.date(2027, 1, 1): (HOLIDAY, "元旦", "csv")}


def test_import_calendar_with_a_bad_row_writes_nothing_and_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("date,kind,name\n2027-10-01,holiday,国庆节\n2027-10-32,holiday,国庆节\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3") as info:
        call_command("import_calendar", str(path), stdout=StringIO())
    assert "nothing was imported" in str(info.value)
    assert not CalendarDay.objects.exists()


def test_import_calendar_missing_or_empty_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_calendar", str(tmp_path / "nope.csv"))
    empty = tmp_path / "empty.csv"
    empty.write_text("date,kind,name\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no calendar rows"):
        call_command("import_calendar", str(empty))


# --- the admin import -------------------------------------------------------------------------


def upload(text: str | bytes, name: str = "days.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_admin_changelist_shows_the_import_button(client: Client) -> None:
    client.force_login(AdminFactory())
    response = client.get(reverse("admin:servicedesk_calendarday_changelist"))
    assert response.status_code == 200
    assert reverse(IMPORT_URL).encode() in response.content


def test_admin_import_csv_creates_rows(client: Client) -> None:
    client.force_login(AdminFactory())
    page = client.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content

    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD_CSV)})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:servicedesk_calendarday_changelist")
    assert days(calendar=default_calendar())[dt.date(2027, 9, 26)] == (WORKDAY, "国庆节调休", "csv")
    assert CalendarDay.objects.count() == 4


def test_admin_import_csv_into_a_chosen_calendar(client: Client) -> None:
    default_calendar()
    other = WorkCalendar.objects.create(name="六天工作制", working_weekdays="123456")
    client.force_login(AdminFactory())
    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD_CSV), "calendar": other.pk})
    assert response.status_code == 302
    assert other.days.count() == 4
    assert not default_calendar().days.exists()


def test_admin_import_bad_csv_shows_the_line_as_a_form_error(client: Client) -> None:
    client.force_login(AdminFactory())
    response = client.post(reverse(IMPORT_URL), {"file": upload("2027-10-01,holiday\n2027-10-02,holiday\nx,y\n")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["line 3: 'x' is not a date like 2027-10-01"]
    assert not CalendarDay.objects.exists()


def test_admin_import_rejects_a_file_over_1_mb(client: Client) -> None:
    client.force_login(AdminFactory())
    big = "2027-10-01,holiday,国庆节\n" + "#" * (1024 * 1024) + "\n"
    response = client.post(reverse(IMPORT_URL), {"file": upload(big)})
    assert response.status_code == 200
    assert "1 MB" in response.context["form"].errors["file"][0]
    assert not CalendarDay.objects.exists()


def test_admin_import_needs_a_file(client: Client) -> None:
    client.force_login(AdminFactory())
    response = client.post(reverse(IMPORT_URL), {})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_admin_import_sends_non_staff_to_the_login_page(client: Client) -> None:
    client.force_login(OfficerFactory())
    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD_CSV)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not CalendarDay.objects.exists()


def test_admin_import_is_forbidden_to_staff_without_the_permission(client: Client) -> None:
    client.force_login(OfficerFactory(is_staff=True))
    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD_CSV)})
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


def test_admin_import_for_staff_with_add_and_change_permissions() -> None:
    from django.contrib.auth.models import Permission

    user = OfficerFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="servicedesk", codename__in=["add_calendarday", "change_calendarday"]
        )
    )
    client = Client()
    client.force_login(user)
    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD_CSV)})
    assert response.status_code == 302
    assert CalendarDay.objects.count() == 4


def test_admin_import_checks_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(AdminFactory())
    response = client.post(reverse(IMPORT_URL), {"file": upload(GOOD_CSV)})
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


# --- the system check -------------------------------------------------------------------------


def test_check_warns_about_the_current_year_until_it_is_loaded() -> None:
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI), tick=False):
        messages = calendar_years_loaded()
        assert len(messages) == 1
        assert isinstance(messages[0], Warning)
        assert messages[0].id == "servicedesk.W001"
        assert "2026" in messages[0].msg
        assert "load_calendar --year 2026" in messages[0].hint
        assert "import_calendar" in messages[0].hint

        load(2026)

        assert calendar_years_loaded() == []


def test_next_year_is_a_dashboard_warning_from_november_not_a_failing_check() -> None:
    load(2026)
    with time_machine.travel(dt.datetime(2026, 10, 31, 23, 59, tzinfo=SHANGHAI), tick=False):
        assert years_missing(clock.today_local()) == []
    # 2026-11-01 00:30 in Shanghai is still October 31st in UTC: the local date counts.
    with time_machine.travel(dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        assert years_missing(clock.today_local()) == [2027]
        assert calendar_years_loaded() == []  # a deployment in November still passes
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI), tick=False):
        CalendarDay.objects.create(calendar=default_calendar(), date=dt.date(2027, 1, 1), kind=HOLIDAY, name="元旦")
        assert years_missing(clock.today_local()) == []
    # once 2027 is under way without data, the check fails deployment
    CalendarDay.objects.filter(date__year=2027).delete()
    with time_machine.travel(dt.datetime(2027, 1, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert w001_years() and "2027" in w001_years()[0]


def test_check_warns_only_about_the_current_year_in_december_when_nothing_is_loaded() -> None:
    with time_machine.travel(dt.datetime(2026, 12, 31, 12, 0, tzinfo=SHANGHAI), tick=False):
        msgs = w001_years()
        assert years_missing(clock.today_local()) == [2026, 2027]
    assert len(msgs) == 1
    assert "2026" in msgs[0] and "2027" not in msgs[0]


def test_check_survives_a_database_without_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_table(*args: object, **kwargs: object) -> None:
        raise ProgrammingError('relation "servicedesk_workcalendar" does not exist')

    monkeypatch.setattr(WorkCalendar.objects, "filter", no_table)
    assert calendar_years_loaded() == []
    call_command("check", stdout=StringIO(), stderr=StringIO())  # does not raise


def test_default_calendar_is_created_once_and_reticked_when_unticked() -> None:
    first = default_calendar()
    assert first.is_default
    assert default_calendar() == first
    WorkCalendar.objects.filter(pk=first.pk).update(is_default=False)
    again = default_calendar()
    assert again.pk == first.pk
    assert WorkCalendar.objects.get(pk=first.pk).is_default


def test_admin_import_rejects_a_file_that_is_not_text(client: Client) -> None:
    client.force_login(AdminFactory())
    response = client.post(reverse(IMPORT_URL), {"file": upload(b"\xff\xff\x00\x01", name="days.xlsx")})
    assert response.status_code == 200
    assert "neither UTF-8 nor GB18030" in response.context["form"].errors["file"][0]
