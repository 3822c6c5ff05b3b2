"""`python manage.py triage_train`: train a new version of the routing model now (beat
does it every night); `--evaluate-only` prints the time-ordered hold-out figures and
stores nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from triage.routing import evaluate, min_tickets_per_item, routing_train, training_rows


class Command(BaseCommand):
    help = "Train the routing model on the zone's history (or only measure it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--evaluate-only", action="store_true", help="measure on a hold-out, store nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["evaluate_only"]:
            figures = evaluate(training_rows())
            if figures is None:
                self.stdout.write(f"too little history (fewer than {min_tickets_per_item()} tickets per item)")
                return
            self.stdout.write(
                f"trained on {figures.train} older tickets, tested on the newest {figures.test}; "
                f"{figures.items} items; top-1 {figures.top1:.1%}, top-3 {figures.top3:.1%}"
            )
            return
        model = routing_train()
        if model is None:
            self.stdout.write(f"too little history (fewer than {min_tickets_per_item()} tickets per item): no model")
            return
        holdout = (
            f"; hold-out ({model.holdout_tickets} newest): "
            f"top-1 {model.holdout_top1:.1%}, top-3 {model.holdout_top3:.1%}"
            if model.holdout_top1 is not None and model.holdout_top3 is not None
            else ""
        )
        self.stdout.write(f"routing model v{model.version}: {model.tickets} tickets, {len(model.items)} items{holdout}")
