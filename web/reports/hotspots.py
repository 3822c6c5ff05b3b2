"""热点分析 (hotspots): the top themes of a week, an assessment month or quarter in the
manager's scope, with the previous period's counts, a bar chart, sample tickets, a link to
the queue and the same table as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from reports import period_containing, period_from_page, period_name
from reports.exports import caption, export_response
from reports.hotspots import HotspotReport, hotspot_params, hotspot_people_table, hotspot_report
from servicedesk.errors import Invalid
from servicedesk.models import User
from servicedesk.selectors import is_admin, is_zone_manager, park_list

from .charts import bar_chart
from .common import export_format, manager_page, period_nav, safe_reverse

KINDS = ("week", "month", "quarter")


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("period") or "month"
    if kind not in KINDS:
        raise Invalid(_("The period is week, month or quarter."), detail={"period": list(KINDS)})
    return kind


def _rows(report: HotspotReport) -> list[dict[str, Any]]:
    rows = []
    for rank, theme in enumerate(report.themes, start=1):
        query = {"tab": "all", "q": theme.keyword}
        if report.park_id is not None:
            query["park"] = str(report.park_id)
        rows.append(
            {
                "rank": rank,
                "theme": theme,
                "change_percent": None if theme.change_rate is None else round(theme.change_rate * 100),
                "sample": [
                    {"number": s.number, "title": s.title, "url": safe_reverse("ticket-page", s.number)}
                    for s in theme.sample
                ],
                "queue_url": safe_reverse("work-queue", query=query),
            }
        )
    return rows


def _kind_links(kind: str, period_start: dt.date, park: int | None) -> list[dict[str, Any]]:
    """Week, month, quarter: each the one that holds the start of the period shown."""
    labels = {
        "week": pgettext("period kind", "Week"),
        "month": pgettext("period kind", "Month"),
        "quarter": pgettext("period kind", "Quarter"),
    }
    links = []
    for name in KINDS:
        query = {"period": name, name: period_name(period_containing(name, period_start))}
        if park is not None:
            query["park"] = str(park)
        links.append({"label": labels[name], "url": f"?{urlencode(query)}", "current": name == kind})
    return links


@manager_page
def hotspots(request: HttpRequest, user: User) -> HttpResponseBase:
    kind = _kind(request)
    period = period_from_page(request.GET, kind)
    park, limit = hotspot_params(request.GET)
    fmt = export_format(request)
    report = hotspot_report(user=user, period=period, park_id=park, limit=limit)
    if fmt:
        title = caption(what=_("Hotspots"), user=user, period=period, name=period_name(period))
        return export_response(fmt, [hotspot_people_table(report, caption=title)], f"hotspots-{period_name(period)}")
    chart = bar_chart(
        title=_("Tickets per theme"),
        desc=_("Tickets of each theme in this period, with the previous period's below."),
        unit=_("tickets"),
        labels=[theme.label for theme in report.themes],
        values=[theme.tickets for theme in report.themes],
        previous=[theme.previous for theme in report.themes],
    )
    chooses_park = is_admin(user) or is_zone_manager(user)
    context = {
        "report": report,
        "rows": _rows(report),
        "chart": chart,
        "kind": kind,
        "kind_links": _kind_links(kind, period.start, park),
        "parks": list(park_list().order_by("name").values("id", "name")) if chooses_park else [],
        "park": park,
        "previous_last_day": report.previous.end - dt.timedelta(days=1),
        **period_nav(request, kind, period),
    }
    return render(request, "web/reports/hotspots.html", context)
