"""System checks: a year under way without calendar data is a warning now, not a crash in
January. Next year's data, due from November, is a warning on the managers' dashboard: a
deployment in December must not fail because the State Council has not published yet."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError

from . import clock


@register()
def calendar_years_loaded(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn when this year has no holidays loaded."""
    from .calendar import years_missing

    today = clock.today_local()
    try:
        missing = [year for year in years_missing(today) if year == today.year]
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
        for year in missing
    ]
