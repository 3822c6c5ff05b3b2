"""System checks: a year without calendar data is a warning now, not a crash in January."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError

from . import clock


@register()
def calendar_years_loaded(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when this year (and, from November, next year) has no holidays loaded."""
    from .calendar import years_with_data
    from .models import WorkCalendar

    today = clock.today_local()
    wanted = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    try:
        calendar = WorkCalendar.objects.filter(is_default=True).first()
        loaded = years_with_data(calendar) if calendar else set()
    except DatabaseError:
        return []  # no tables yet (before the first migrate): nothing to check
    return [
        Warning(
            f"The working calendar has no holidays or make-up working days for {year}; "
            "deadlines in that year would count every weekday as a working day.",
            hint=(
                f"Run `python manage.py load_calendar --year {year}` or, when the package has no "
                f"data for {year} yet, `python manage.py import_calendar FILE.csv` with the State "
                "Council's published dates, or enter them in the admin."
            ),
            id="servicedesk.W001",
        )
        for year in wanted
        if year not in loaded
    ]
