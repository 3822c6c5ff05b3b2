"""`python manage.py sla_backfill`: deadline rows for open tickets filed before the SLA
engine stored them (run once after deploying migration tickets 0004; safe to run again)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tickets.sla.escalation import deadlines_backfill


class Command(BaseCommand):
    help = "Create the stored SLA deadlines of open tickets that have none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="tickets per round")

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while done := deadlines_backfill(limit=options["batch"]):
            total += done
        self.stdout.write(f"{total} tickets given their deadlines")
