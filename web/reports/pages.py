"""每周一调度 (weekly dispatch sheet), 每月一评比 (monthly ranking), 每季一通报 (quarterly
bulletin): each a page with period navigation and the same figures as CSV or XLSX."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from reports import LEVELS, Level, period_from_page, report_for
from reports.downloads import bulletin_download, dispatch_download, ranking_download
from reports.exports import export_response
from reports.sheets import bulletin_for, dispatch_sheet
from servicedesk.errors import Invalid
from servicedesk.models import User

from .common import export_format, manager_page, period_nav


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
    context = {"report": report, "level": level, "levels": LEVELS, **period_nav(request, "month", period)}
    return render(request, "web/reports/ranking.html", context)


@manager_page
def bulletin(request: HttpRequest, user: User) -> HttpResponseBase:
    period = period_from_page(request.GET, "quarter")
    fmt = export_format(request)
    if fmt:
        download = bulletin_download(user=user, period=period)
        return export_response(fmt, download.tables, download.stem)
    result = bulletin_for(user=user, period=period)
    return render(request, "web/reports/bulletin.html", {"bulletin": result, **period_nav(request, "quarter", period)})
