"""`python manage.py import_calendar FILE.csv`: holidays and make-up working days from a CSV
file (rows `date,kind,name`, kind `holiday`/`workday` or 休/班, header optional) into the
default calendar — for the years the chinesecalendar package does not know yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from servicedesk.calendar import (
    CalendarCSVError,
    calendar_days_upsert,
    decode_calendar_csv,
    default_calendar,
    parse_calendar_csv,
)
from servicedesk.models import CalendarDay


class Command(BaseCommand):
    help = (
        "Import holidays and make-up working days into the default calendar from a CSV file with rows "
        "date,kind,name (kind: holiday or workday, or 休 / 班; header optional). A date already in the "
        "calendar is overwritten. Nothing is written when a row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file, UTF-8 or GB18030")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from exc
        try:
            entries = parse_calendar_csv(decode_calendar_csv(data))
        except CalendarCSVError as exc:
            raise CommandError(f"{file}: {exc}; nothing was imported.") from exc
        if not entries:
            raise CommandError(f"{file} has no calendar rows (expected date,kind,name); nothing was imported.")
        with transaction.atomic():
            calendar = default_calendar()
            result = calendar_days_upsert(calendar=calendar, entries=entries, source=CalendarDay.Source.CSV)
        holidays = sum(1 for e in entries if e.kind == CalendarDay.Kind.HOLIDAY)
        unchanged = len(entries) - result.created - result.updated
        self.stdout.write(
            self.style.SUCCESS(
                f"{file} into “{calendar}” (holidays: {holidays}, make-up working days: {len(entries) - holidays}): "
                f"{result.created} created, {result.updated} updated, {unchanged} unchanged."
            )
        )
