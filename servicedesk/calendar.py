"""The working calendar: the default one, and filling its dated exceptions from the
`chinesecalendar` package or a CSV file. Its settings are parsed in `servicedesk.validators`
(`parse_periods`, `parse_weekdays`); the working-time arithmetic lives in tickets/sla."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from .models import CalendarDay, WorkCalendar

DEFAULT_CALENDAR_NAME = "中国法定工作日"


def default_calendar() -> WorkCalendar:
    """The calendar deadlines use; created with the standard week and hours when missing."""
    calendar = WorkCalendar.objects.filter(is_default=True).first()
    if calendar is None:
        calendar, _ = WorkCalendar.objects.get_or_create(name=DEFAULT_CALENDAR_NAME, defaults={"is_default": True})
        if not calendar.is_default:
            # A calendar of that name exists but was unticked, and no other is the default:
            # make it the default again, or the system check would never see its days.
            calendar.is_default = True
            calendar.save(update_fields=["is_default"])
    return calendar


@dataclass(frozen=True)
class DayEntry:
    date: dt.date
    kind: str
    name: str = ""


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int


@transaction.atomic
def calendar_days_upsert(*, calendar: WorkCalendar, entries: Iterable[DayEntry], source: str) -> LoadResult:
    """Write the entries; a date that exists is overwritten (the newer source wins)."""
    created = updated = 0
    existing = {d.date: d for d in calendar.days.all()}
    for entry in entries:
        row = existing.get(entry.date)
        if row is None:
            CalendarDay.objects.create(
                calendar=calendar, date=entry.date, kind=entry.kind, name=entry.name, source=source
            )
            created += 1
        elif (row.kind, row.name, row.source) != (entry.kind, entry.name, source):
            row.kind, row.name, row.source = entry.kind, entry.name, source
            row.save(update_fields=["kind", "name", "source"])
            updated += 1
    return LoadResult(created=created, updated=updated)


class CalendarDataMissing(Exception):
    """The chinesecalendar package has no data for the year asked for."""


def chinesecalendar_entries(year: int) -> list[DayEntry]:
    """The statutory holidays and make-up working days of `year` from `chinesecalendar`.

    Only exceptions to the Monday–Friday week are returned: holidays that fall on a weekday
    or a weekend, and weekend days that are working days."""
    import chinese_calendar

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        chinese_calendar.is_holiday(start)
        chinese_calendar.is_holiday(end)
    except NotImplementedError as exc:
        raise CalendarDataMissing(str(exc)) from exc
    entries = []
    day = start
    while day <= end:
        on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
        weekend = day.isoweekday() >= 6
        if on_holiday and holiday_name:
            entries.append(DayEntry(day, CalendarDay.Kind.HOLIDAY, _holiday_label(holiday_name)))
        elif weekend and not on_holiday:
            # A make-up working day (调休): chinesecalendar names the holiday it belongs to.
            label = f"{_holiday_label(holiday_name)}调休" if holiday_name else "调休"
            entries.append(DayEntry(day, CalendarDay.Kind.WORKDAY, label))
        day += dt.timedelta(days=1)
    return entries


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def _holiday_label(name: str) -> str:
    return _HOLIDAY_NAMES.get(name, name)


class CalendarCSVError(ValueError):
    """A CSV row that cannot be read; the message names the line."""


def parse_calendar_csv(text: str) -> list[DayEntry]:
    """Rows `date,kind,name` (header optional); kind is `holiday` or `workday`
    (also 休 / 班). Every error names its line; nothing is written when one is wrong."""
    kinds = {
        "holiday": CalendarDay.Kind.HOLIDAY,
        "休": CalendarDay.Kind.HOLIDAY,
        "workday": CalendarDay.Kind.WORKDAY,
        "班": CalendarDay.Kind.WORKDAY,
    }
    name_max = CalendarDay._meta.get_field("name").max_length or 60
    entries: list[DayEntry] = []
    seen: set[dt.date] = set()
    first_row = True
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for row in reader:
        lineno = reader.line_num  # the physical line, also after a quoted field with a newline
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        if first_row and row[0].strip().lower() in {"date", "日期"}:
            first_row = False
            continue  # the header, after any leading comments or blank lines
        first_row = False
        if len(row) < 2:
            raise CalendarCSVError(f"line {lineno}: expected date,kind[,name]")
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            raise CalendarCSVError(f"line {lineno}: '{row[0]}' is not a date like 2027-10-01") from None
        kind = kinds.get(row[1].strip().lower())
        if kind is None:
            raise CalendarCSVError(f"line {lineno}: kind must be holiday or workday, not '{row[1]}'")
        if day in seen:
            raise CalendarCSVError(f"line {lineno}: {day} is listed twice")
        name = row[2].strip() if len(row) > 2 else ""
        if len(name) > name_max:
            raise CalendarCSVError(f"line {lineno}: the name is longer than {name_max} characters")
        seen.add(day)
        entries.append(DayEntry(day, kind, name))
    return entries


CSV_MAX_BYTES = 1024 * 1024


def decode_calendar_csv(data: bytes) -> str:
    """The text of an uploaded or read CSV file: UTF-8 (with or without BOM), else GB18030 —
    what a spreadsheet saves on a Chinese Windows desktop."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise CalendarCSVError("the file is neither UTF-8 nor GB18030 text") from None


def years_with_data(calendar: WorkCalendar) -> set[int]:
    return {d.year for d in calendar.days.dates("date", "year")}


def years_missing(today: dt.date) -> list[int]:
    """The years the default calendar should hold and does not: this year, and from November
    next year too (the State Council publishes it in the autumn). Managers see these on their
    dashboard; the system check fails deployment only for the year already under way."""
    calendar = WorkCalendar.objects.filter(is_default=True).first()
    loaded = years_with_data(calendar) if calendar else set()
    wanted = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return [year for year in wanted if year not in loaded]
