"""`python manage.py sla_due --start 2026-09-30T16:00+08:00 --limit 2h --clock working`: the
instant a limit runs out, on the default working calendar, printed in ISO 8601 in the
calendar's time zone (here `2026-10-08T09:30:00+08:00`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from servicedesk import clock as wallclock
from tickets.sla.limits import Limit
from tickets.sla.worktime import NATURAL, WORKING, WorkingTime, due_at


class Command(BaseCommand):
    help = (
        "Print when a time limit runs out from a start instant, on the default working calendar "
        "(ISO 8601, in the calendar's time zone)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--start",
            help="the start instant in ISO 8601, e.g. 2026-09-30T16:00+08:00; without an offset it is "
            "read in the calendar's time zone; default: now",
        )
        parser.add_argument(
            "--limit",
            required=True,
            help="the limit: 90m, 2h or 5d (working days on the working clock, 24-hour days on the natural clock)",
        )
        parser.add_argument(
            "--clock",
            default=WORKING,
            choices=[WORKING, NATURAL],
            help="working (the default) or natural",
        )

    def handle(self, *args: Any, **options: Any) -> str:
        try:
            limit = Limit.parse(options["limit"])
        except ValueError as exc:
            raise CommandError(f"--limit: {exc}") from exc
        clock = options["clock"]
        if clock not in (WORKING, NATURAL):  # call_command() bypasses argparse's choices
            raise CommandError(f"--clock must be {WORKING} or {NATURAL}, not {clock!r}")
        try:
            wt = WorkingTime.default()
        except ValueError as exc:
            raise CommandError(f"the default working calendar is not usable: {exc}") from exc
        start = self._start(options["start"], wt)
        try:
            due = due_at(start, limit, clock, wt)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        return due.astimezone(wt.tz).isoformat()

    @staticmethod
    def _start(text: str | None, wt: WorkingTime) -> dt.datetime:
        if text is None:
            return wallclock.now()
        try:
            start = dt.datetime.fromisoformat(text.strip())
        except ValueError as exc:
            raise CommandError(
                f"--start: {text!r} is not an ISO 8601 date and time, e.g. 2026-09-30T16:00+08:00"
            ) from exc
        if start.tzinfo is None or start.utcoffset() is None:
            start = start.replace(tzinfo=wt.tz)
        return start
