"""The hotspots report (热点分析): the themes of a period's tickets (triage.hotspots) for a
manager, its parameters, its JSON and its tables for the downloads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from servicedesk.api.ids import BIGINT_MAX
from servicedesk.errors import Invalid
from servicedesk.models import User
from triage.hotspots import DEFAULT_LIMIT, MAX_LIMIT, Hotspot, hotspots_for

from .audit import require_manager
from .exports import Table
from .periods import Period


@dataclass
class HotspotReport:
    period: Period
    previous: Period
    park_id: int | None
    themes: list[Hotspot]


def _positive(params: Mapping[str, Any], name: str, *, maximum: int) -> int | None:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= maximum:
        return int(raw)
    message = _("A whole number from 1 to %(maximum)s.") % {"maximum": maximum}
    # Translators: %(name)s is a query parameter: park or limit
    raise Invalid(
        _("%(name)s is a whole number from 1 to %(maximum)s.") % {"name": name, "maximum": maximum},
        detail={name: [message]},
    )


def hotspot_params(params: Mapping[str, Any]) -> tuple[int | None, int]:
    """`park` (an id; a park outside the caller's scope finds nothing) and `limit` (1–50,
    default 10); 400 for anything else."""
    park = _positive(params, "park", maximum=BIGINT_MAX)
    limit = _positive(params, "limit", maximum=MAX_LIMIT) or DEFAULT_LIMIT
    return park, limit


def hotspot_report(
    *, user: User, period: Period, park_id: int | None = None, limit: int = DEFAULT_LIMIT
) -> HotspotReport:
    """The top themes of `period` in the manager's scope (Forbidden for anyone else), each
    with its count in the period of the same length just before."""
    require_manager(user)
    previous = period.previous()
    themes = hotspots_for(
        user, since=period.since, until=period.until, previous_since=previous.since, park_id=park_id, limit=limit
    )
    return HotspotReport(period=period, previous=previous, park_id=park_id, themes=themes)


def tickets_query(report: HotspotReport, theme: Hotspot) -> dict[str, str]:
    """The ticket list's filters that find a theme's tickets (`/api/v1/tickets/?…`): the
    service item, the keyword as a search and the period. The search matches the keyword as
    a prefix too, so the list may hold a few more tickets than the count."""
    query = {
        "service_item": theme.service_item_code,
        "search": theme.keyword,
        "created_after": report.period.since.isoformat(),
        "created_before": report.period.until.isoformat(),
    }
    if report.park_id is not None:
        query["park"] = str(report.park_id)
    return query


def hotspot_json(report: HotspotReport) -> dict[str, Any]:
    tickets_url = reverse("ticket-list")
    return {
        "period": {
            "kind": report.period.kind,
            "from": report.period.start.isoformat(),
            "to": report.period.end.isoformat(),
        },
        "previous_period": {"from": report.previous.start.isoformat(), "to": report.previous.end.isoformat()},
        "park": report.park_id,
        "results": [
            {**theme.as_dict(), "tickets_url": f"{tickets_url}?{urlencode(tickets_query(report, theme))}"}
            for theme in report.themes
        ],
    }


#: The columns of the downloads (the API's names; the pages head them with HOTSPOT_LABELS).
HOTSPOT_COLUMNS = (
    "rank",
    "label",
    "service_item",
    "keywords",
    "tickets",
    "previous",
    "change",
    "change_rate",
    "sample",
)
HOTSPOT_LABELS: dict[str, Any] = {
    "rank": pgettext_lazy("hotspots column", "Rank"),
    "label": pgettext_lazy("hotspots column", "Theme"),
    "service_item": pgettext_lazy("hotspots column", "Service item"),
    "keywords": pgettext_lazy("hotspots column", "Keywords"),
    "tickets": pgettext_lazy("hotspots column", "Tickets"),
    "previous": pgettext_lazy("hotspots column", "Previous period"),
    "change": pgettext_lazy("hotspots column", "Change"),
    "change_rate": pgettext_lazy("hotspots column", "Change (%)"),
    "sample": pgettext_lazy("hotspots column", "Sample tickets"),
}
HOTSPOT_KINDS = ("count", "text", "text", "text", "count", "count", "count", "rate", "text")


def hotspot_rows(report: HotspotReport) -> list[list[Any]]:
    """One row per theme, by HOTSPOT_COLUMNS; the texts (the enterprises' own words) are
    made safe by the writers (reports.exports.cell)."""
    return [
        [
            rank,
            theme.label,
            theme.service_item_name,
            " ".join(theme.keywords),
            theme.tickets,
            theme.previous,
            theme.change,
            theme.change_rate,
            "; ".join(f"{s.number} {s.title}" for s in theme.sample),
        ]
        for rank, theme in enumerate(report.themes, start=1)
    ]


def hotspot_table(report: HotspotReport) -> Table:
    """The API's download: the field names as the header."""
    return Table(title="hotspots", header=HOTSPOT_COLUMNS, rows=hotspot_rows(report))


def hotspot_people_table(report: HotspotReport, *, caption: str) -> Table:
    """The page's download: headed in the reader's language, under a title row."""
    return Table(
        title=str(_("Hotspots")),
        header=[str(HOTSPOT_LABELS[name]) for name in HOTSPOT_COLUMNS],
        rows=hotspot_rows(report),
        caption=caption,
        kinds=HOTSPOT_KINDS,
    )


def hotspot_stem(report: HotspotReport) -> str:
    return f"hotspots-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}"
