"""`python manage.py recompute_working_seconds [--since YYYY-MM-DD]`: compute again the working
seconds stored with the tickets (tickets.sla.spent) from their timestamps on the default
calendar — after the calendar of past days was edited while the broker was away, or after
tickets were written around the services. Safe to run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tickets.sla import spent


class Command(BaseCommand):
    help = "Compute again the working seconds stored with the tickets answered or resolved since a day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="YYYY-MM-DD: only tickets answered or resolved since that day")
        parser.add_argument("--batch", type=int, default=5000, help="tickets per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["since"]:
            try:
                day = dt.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(f"--since: not a date (YYYY-MM-DD): {options['since']!r}") from exc
            since = spent.start_of(day)
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        done = spent.recompute(since=since, batch=options["batch"])
        self.stdout.write(f"{done} tickets' working seconds computed")
