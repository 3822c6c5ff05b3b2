"""The manager's dashboard: what is open, due today and overdue by park and department (each
count a link into the queue), the month's ranking so far, what waits for the manager, the
rectifications in progress and the weekly medians as charts."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from reports import SHANGHAI, period_containing, period_name, report_for
from reports.sheets import (
    OpenCount,
    open_counts,
    rectifications_in_progress,
    unchecked_bad_reviews,
    waiting_for,
    weekly_medians,
)
from servicedesk import clock
from servicedesk.calendar import years_missing
from servicedesk.models import User

from ..tickets import live
from .charts import line_chart
from .common import manager_page, safe_reverse


def _count_links(rows: list[OpenCount], field: str) -> list[dict[str, Any]]:
    return [
        {
            "row": row,
            "open_url": safe_reverse("work-queue", query={field: row.unit_id}),
            "overdue_url": safe_reverse("work-queue", query={field: row.unit_id, "overdue": 1}),
        }
        for row in rows
    ]


@manager_page
def dashboard(request: HttpRequest, user: User) -> HttpResponseBase:
    loaded = clock.now()
    today = loaded.astimezone(SHANGHAI).date()
    month = period_containing("month", today)
    ranking = report_for(user=user, level="officers", period=month)
    weeks = weekly_medians(user=user)
    labels = [f"{p.period.start:%m-%d}" for p in weeks]
    charts = [
        line_chart(
            title=_("Median first response, per week"),
            desc=_("Median working minutes to the first response of the tickets filed in each of the last %(n)d weeks.")
            % {"n": len(weeks)},
            unit=_("working minutes"),
            labels=labels,
            values=[p.first_response_median for p in weeks],
        ),
        line_chart(
            title=_("Median resolution time, per week"),
            desc=_("Median working minutes to the resolution of the tickets filed in each of the last %(n)d weeks.")
            % {"n": len(weeks)},
            unit=_("working minutes"),
            labels=labels,
            values=[p.resolution_median for p in weeks],
        ),
    ]
    rectifications = [
        {"ticket": t, "url": safe_reverse("ticket-page", t.number)} for t in rectifications_in_progress(user=user)
    ]
    bad_reviews = [
        {"rating": r, "url": safe_reverse("ticket-page", r.ticket.number)} for r in unchecked_bad_reviews(user=user)
    ]
    by_park = open_counts(user=user, by="park")
    context = {
        "totals": {
            "open": sum(r.open for r in by_park),
            "due_today": sum(r.due_today for r in by_park),
            "overdue": sum(r.overdue for r in by_park),
        },
        "overdue_url": safe_reverse("work-queue", query={"overdue": 1}),
        "by_park": _count_links(by_park, "park"),
        "by_department": _count_links(open_counts(user=user, by="department"), "department"),
        "queue_url": safe_reverse("work-queue"),
        "month": month,
        "month_name": period_name(month),
        "ranking_url": safe_reverse("reports-ranking", query={"month": period_name(month)}),
        "red_list": [r for r in ranking.rows if r.red_list],
        "black_list": [r for r in ranking.rows if r.black_list],
        "waiting": waiting_for(user=user),
        # the extensions page lands with another branch; until then the queue
        "extensions_url": safe_reverse("work-extensions") or safe_reverse("work-queue"),
        "bad_reviews": bad_reviews,
        "rectifications": rectifications,
        "charts": charts,
        "weeks": weeks,
        # next year's holidays, due from November: a warning here, not a failing deploy check
        "calendar_missing": ", ".join(str(y) for y in years_missing(today)),
        # the live queue's check over the whole scope: a "new activity, reload" line on news
        "live_url": safe_reverse(
            "work-queue-changes",
            query={
                "tab": "all",
                "hint": 1,
                "since": live.token(user=user, loaded=loaded, since=loaded - live.LAG, shown=[]),
            },
        ),
        "live_every": live.POLL_SECONDS,
    }
    return render(request, "web/dashboard.html", context)
