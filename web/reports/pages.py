"""每周一调度 (weekly dispatch sheet), 每月一评比 (monthly ranking), 每季一通报 (quarterly
bulletin): each a page with period navigation and the same figures as CSV or XLSX."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from reports import LEVELS, Level, ReportRow, period_from_page, report_for
from reports.downloads import bulletin_download, dispatch_download, ranking_download, service_items_download
from reports.exports import export_response
from reports.service_items import service_item_figures
from reports.sheets import bulletin_for, dispatch_sheet
from servicedesk.errors import Invalid
from servicedesk.models import User

from .common import export_format, manager_page, period_nav

#: The queue's parameter that picks a report row's tickets (officers: the first-ask owner).
UNIT_PARAMS = {"officers": "owner", "departments": "department", "parks": "park"}


def _quiet(row: ReportRow) -> bool:
    """Nothing to read in the row: no ticket, overdue ticket, visit or escalation."""
    return not (row.received or row.overdue_now or row.visits or row.escalations or row.supervision_orders)


def _shown(request: HttpRequest, rows: list[ReportRow]) -> tuple[list[ReportRow], int]:
    """The rows a person reads: the quiet ones left out unless `?all=1`; and how many were."""
    if request.GET.get("all") == "1":
        return rows, 0
    shown = [row for row in rows if not _quiet(row)]
    return shown, len(rows) - len(shown)


@manager_page
def dispatch(request: HttpRequest, user: User) -> HttpResponseBase:
    period = period_from_page(request.GET, "week")
    fmt = export_format(request)
    if fmt:
        download = dispatch_download(user=user, period=period)
        return export_response(fmt, download.tables, download.stem)
    rows = dispatch_sheet(user=user, period=period)
    return render(request, "web/reports/dispatch.html", {"rows": rows, **period_nav(request, "week", period)})


def _level(request: HttpRequest) -> Level:
    level = request.GET.get("level") or "officers"
    for known in LEVELS:
        if level == known:
            return known
    raise Invalid(_("The level is officers, departments or parks."), detail={"level": list(LEVELS)})


@manager_page
def ranking(request: HttpRequest, user: User) -> HttpResponseBase:
    period = period_from_page(request.GET, "month")
    level = _level(request)
    fmt = export_format(request)
    if fmt:
        download = ranking_download(user=user, period=period, level=level)
        return export_response(fmt, download.tables, download.stem)
    report = report_for(user=user, level=level, period=period)
    rows, hidden = _shown(request, report.rows)
    context = {
        "report": report,
        "rows": rows,
        "hidden": hidden,
        "level": level,
        "levels": LEVELS,
        "unit_param": UNIT_PARAMS[level],
        **period_nav(request, "month", period),
    }
    return render(request, "web/reports/ranking.html", context)


@manager_page
def bulletin(request: HttpRequest, user: User) -> HttpResponseBase:
    period = period_from_page(request.GET, "quarter")
    fmt = export_format(request)
    if fmt:
        download = bulletin_download(user=user, period=period)
        return export_response(fmt, download.tables, download.stem)
    result = bulletin_for(user=user, period=period)
    tables = []
    for level, title, report in (
        ("parks", _("Parks"), result.parks),
        ("departments", _("Departments"), result.departments),
        ("officers", _("Officers"), result.officers),
    ):
        rows, hidden = _shown(request, report.rows)
        tables.append({"title": title, "rows": rows, "hidden": hidden, "unit_param": UNIT_PARAMS[level]})
    context = {"bulletin": result, "tables": tables, **period_nav(request, "quarter", period)}
    return render(request, "web/reports/bulletin.html", context)


@manager_page
def service_items(request: HttpRequest, user: User) -> HttpResponseBase:
    """Tickets and guides' deflections per service item: which guides spare companies a ticket."""
    period = period_from_page(request.GET, "month")
    fmt = export_format(request)
    if fmt:
        download = service_items_download(user=user, period=period)
        return export_response(fmt, download.tables, download.stem)
    rows = service_item_figures(user=user, period=period)
    context = {"rows": rows, **period_nav(request, "month", period)}
    return render(request, "web/reports/service_items.html", context)
