"""The three sheets a park office hands in, as tables: 每周一调度 (the weekly dispatch sheet),
每月一评比 (the monthly ranking) and 每季一通报 (the quarterly bulletin), for one manager's
scope and period, headed in the current language. The pages' downloads and the sheets sent on
schedule are built here, so both say the same."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.models import User

from .audit import COLUMN_LABELS, Level, report_for
from .exports import Table, caption, for_people, report_table
from .periods import Period, period_name
from .service_items import LABELS as SERVICE_ITEM_LABELS
from .service_items import service_item_figures, service_item_table
from .sheets import DISPATCH_COLUMNS, DISPATCH_LABELS, bulletin_for, dispatch_sheet

Sheet = Literal["dispatch", "ranking", "bulletin"]
SHEETS: tuple[Sheet, ...] = ("dispatch", "ranking", "bulletin")

#: The period each sheet covers.
PERIOD_KIND: dict[Sheet, str] = {"dispatch": "week", "ranking": "month", "bulletin": "quarter"}

#: The sheet titles of the levels in the downloads (the pages' own tab names).
LEVEL_TITLES = {
    "parks": gettext_lazy("Parks"),
    "departments": gettext_lazy("Departments"),
    "officers": gettext_lazy("Officers"),
}


def sheet_title(sheet: Sheet) -> str:
    return {
        "dispatch": _("Weekly dispatch"),
        "ranking": _("Monthly ranking"),
        "bulletin": _("Quarterly bulletin"),
    }[sheet]


@dataclass(frozen=True)
class Download:
    """A sheet's tables, the file name's stem and a line of its headline figures."""

    tables: list[Table]
    stem: str
    summary: str


def _people(table: Table, *, what: str, user: User, period: Period) -> Table:
    """A report table for people: the columns' labels, the level's title, a title row."""
    level = LEVEL_TITLES.get(table.title, table.title)
    title = caption(what=f"{what} · {level}", user=user, period=period, name=period_name(period))
    return for_people(table, COLUMN_LABELS, level, title)


def dispatch_download(*, user: User, period: Period) -> Download:
    rows = dispatch_sheet(user=user, period=period)
    what = sheet_title("dispatch")
    table = Table(title="dispatch", header=DISPATCH_COLUMNS, rows=[astuple(r) for r in rows])
    title = caption(what=what, user=user, period=period, name=period_name(period))
    summary = _("%(officers)s officers; %(open)s open tickets, %(due)s due this week, %(overdue)s overdue.") % {
        "officers": len(rows),
        "open": sum(r.open for r in rows),
        "due": sum(r.due_this_week for r in rows),
        "overdue": sum(r.overdue_now for r in rows),
    }
    return Download([for_people(table, DISPATCH_LABELS, what, title)], f"dispatch-{period_name(period)}", summary)


def ranking_download(*, user: User, period: Period, level: Level = "officers") -> Download:
    report = report_for(user=user, level=level, period=period)
    table = _people(report_table(report), what=sheet_title("ranking"), user=user, period=period)
    honour = [row.name for row in report.rows if row.red_list]
    summary = _("%(units)s ranked; honour roll: %(honour)s.") % {
        "units": sum(1 for row in report.rows if row.rank is not None),
        "honour": "、".join(honour) or "—",
    }
    return Download([table], f"ranking-{period_name(period)}-{level}", summary)


def bulletin_download(*, user: User, period: Period) -> Download:
    result = bulletin_for(user=user, period=period)
    what = sheet_title("bulletin")
    tables = [
        _people(report_table(result.parks, "parks"), what=what, user=user, period=period),
        _people(report_table(result.departments, "departments"), what=what, user=user, period=period),
        _people(report_table(result.officers, "officers"), what=what, user=user, period=period),
    ]
    received = sum(row.received for row in result.parks.rows)
    summary = _("%(received)s tickets received in the quarter.") % {"received": received}
    return Download(tables, f"bulletin-{period_name(period)}", summary)


def service_items_download(*, user: User, period: Period) -> Download:
    """Guides and tickets per service item (reports.service_items), headed for people."""
    rows = service_item_figures(user=user, period=period)
    what = _("Guides and tickets")
    title = caption(what=what, user=user, period=period, name=period_name(period))
    table = for_people(service_item_table(rows), SERVICE_ITEM_LABELS, what, title)
    return Download([table], f"service-items-{period_name(period)}", "")


def download_for(sheet: Sheet, *, user: User, period: Period) -> Download:
    if sheet == "dispatch":
        return dispatch_download(user=user, period=period)
    if sheet == "ranking":
        return ranking_download(user=user, period=period)
    return bulletin_download(user=user, period=period)
