"""每周一调度 (weekly dispatch sheet), 每月一评比 (monthly ranking), 每季一通报 (quarterly
bulletin): each a page with period navigation and the same figures as CSV or XLSX."""

from __future__ import annotations

from dataclasses import astuple

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import LEVELS, Level, period_from_page, period_name, report_for
from reports.audit import COLUMN_LABELS
from reports.exports import Table, caption, export_response, for_people, report_table
from reports.periods import Period
from reports.sheets import DISPATCH_COLUMNS, DISPATCH_LABELS, bulletin_for, dispatch_sheet
from servicedesk.errors import Invalid
from servicedesk.models import User

from .common import export_format, manager_page, period_nav

#: The sheet titles of the levels in the downloads (the pages' own tab names).
LEVEL_TITLES = {
    "parks": gettext_lazy("Parks"),
    "departments": gettext_lazy("Departments"),
    "officers": gettext_lazy("Officers"),
}


def _people(table: Table, *, what: str, user: User, period: Period) -> Table:
    """A report table for people: the columns' labels, the level's title, a title row."""
    level = LEVEL_TITLES.get(table.title, table.title)
    title = caption(what=f"{what} · {level}", user=user, period=period, name=period_name(period))
    return for_people(table, COLUMN_LABELS, level, title)


@manager_page
def dispatch(request: HttpRequest, user: User) -> HttpResponseBase:
    period = period_from_page(request.GET, "week")
    fmt = export_format(request)
    rows = dispatch_sheet(user=user, period=period)
    if fmt:
        table = Table(title="dispatch", header=DISPATCH_COLUMNS, rows=(astuple(r) for r in rows))
        what = _("Weekly dispatch")
        title = caption(what=what, user=user, period=period, name=period_name(period))
        return export_response(
            fmt, [for_people(table, DISPATCH_LABELS, what, title)], f"dispatch-{period_name(period)}"
        )
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
    report = report_for(user=user, level=level, period=period)
    if fmt:
        table = _people(report_table(report), what=_("Monthly ranking"), user=user, period=period)
        return export_response(fmt, [table], f"ranking-{period_name(period)}-{level}")
    context = {"report": report, "level": level, "levels": LEVELS, **period_nav(request, "month", period)}
    return render(request, "web/reports/ranking.html", context)


@manager_page
def bulletin(request: HttpRequest, user: User) -> HttpResponseBase:
    period = period_from_page(request.GET, "quarter")
    fmt = export_format(request)
    result = bulletin_for(user=user, period=period)
    if fmt:
        what = _("Quarterly bulletin")
        tables = [
            _people(report_table(result.parks, "parks"), what=what, user=user, period=period),
            _people(report_table(result.departments, "departments"), what=what, user=user, period=period),
            _people(report_table(result.officers, "officers"), what=what, user=user, period=period),
        ]
        return export_response(fmt, tables, f"bulletin-{period_name(period)}")
    return render(request, "web/reports/bulletin.html", {"bulletin": result, **period_nav(request, "quarter", period)})
