"""`python manage.py load_calendar --year 2026 [--year 2027 …]`: the statutory holidays and
make-up working days from the `chinesecalendar` package into the default calendar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from servicedesk import clock
from servicedesk.calendar import (
    CalendarDataMissing,
    DayEntry,
    calendar_days_upsert,
    chinesecalendar_entries,
    default_calendar,
)
from servicedesk.models import CalendarDay


class Command(BaseCommand):
    help = (
        "Fill the default working calendar with the statutory holidays and make-up working days "
        "of the given years from the chinesecalendar package. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            metavar="YEAR",
            help="a year to load (repeatable); default: the current year",
        )

    def handle(self, *args: Any, years: list[int] | None = None, **options: Any) -> None:
        years = sorted(set(years or [clock.today_local().year]))
        # Read every year first: when one has no data, nothing is written.
        per_year: dict[int, list[DayEntry]] = {}
        for year in years:
            try:
                per_year[year] = chinesecalendar_entries(year)
            except CalendarDataMissing as exc:
                raise CommandError(
                    f"The chinesecalendar package has no data for {year} ({exc}). Once the State Council "
                    f"has published the {year} holiday arrangement, enter its dates with "
                    "`python manage.py import_calendar FILE.csv` (rows date,kind,name) or in the admin "
                    "(Calendar days → Import CSV), or upgrade chinesecalendar."
                ) from exc
        with transaction.atomic():
            calendar = default_calendar()
            for year, entries in per_year.items():
                result = calendar_days_upsert(
                    calendar=calendar, entries=entries, source=CalendarDay.Source.CHINESECALENDAR
                )
                holidays = sum(1 for e in entries if e.kind == CalendarDay.Kind.HOLIDAY)
                workdays = len(entries) - holidays
                unchanged = len(entries) - result.created - result.updated
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{year} into “{calendar}” (holidays: {holidays}, make-up working days: {workdays}): "
                        f"{result.created} created, {result.updated} updated, {unchanged} unchanged."
                    )
                )
