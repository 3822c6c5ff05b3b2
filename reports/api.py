"""`/api/v1/reports/officers|departments|parks/`: the managers' audit as JSON, CSV
(streamed) or XLSX; `/api/v1/reports/service-items/`: tickets and deflections per service item.
Views parse, call one selector (reports.audit, reports.service_items), and render."""

from __future__ import annotations

from typing import Any

from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from scaleout.replica import replica_read
from servicedesk.api.actor import actor_of
from servicedesk.errors import Invalid
from servicedesk.permissions import IsManagerOrAdmin

from . import Level, Report, period_from_params, report_for
from .exports import EXPORT_FORMATS, XLSX, export_response, report_stem, report_table
from .hotspots import hotspot_json, hotspot_params, hotspot_report, hotspot_stem, hotspot_table
from .service_items import service_item_figures, service_item_table

FORMATS = ("json", *EXPORT_FORMATS)


def _json(report: Report) -> dict[str, Any]:
    return {
        "level": report.level,
        "period": {
            "kind": report.period.kind,
            "from": report.period.start.isoformat(),
            "to": report.period.end.isoformat(),
        },
        "weights": report.weights,
        "red_list": report.red_list,
        "black_list": report.black_list,
        "results": [row.as_dict() for row in report.rows],
    }


_PARAMS = [
    OpenApiParameter("period", str, enum=["week", "month", "quarter"]),
    OpenApiParameter("at", str, description="a date inside the period (default today)"),
    OpenApiParameter("from", str, description="YYYY-MM-DD, Asia/Shanghai"),
    OpenApiParameter("to", str, description="YYYY-MM-DD, exclusive"),
    OpenApiParameter("format", str, enum=list(FORMATS)),
]


# `format` picks the body: JSON, a CSV file or an XLSX workbook.
_RESPONSES = {
    (200, "application/json"): OpenApiTypes.OBJECT,
    (200, "text/csv"): OpenApiTypes.STR,
    (200, XLSX): OpenApiTypes.BINARY,
}


_HOTSPOT_PARAMS = [
    *_PARAMS,
    OpenApiParameter("park", int, description="one park of the caller's scope (zone managers, admins)"),
    OpenApiParameter("limit", int, description="how many themes, 1-50 (default 10)"),
]


def _format(request: Request) -> str:
    fmt = request.query_params.get("format", "json") or "json"
    if fmt not in FORMATS:
        raise Invalid(
            # Translators: format is the name of the API parameter; json, csv, xlsx its values
            _("format is json, csv or xlsx."),
            detail={"format": [_("json, csv or xlsx.")]},
        )
    return fmt


class ReportViewSet(viewsets.ViewSet):
    permission_classes = [IsManagerOrAdmin]
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        # `format` picks the export below, not a DRF renderer: always negotiate JSON.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    def _render(self, request: Request, level: Level) -> HttpResponseBase:
        fmt = _format(request)
        # the figures read from the standby when there is one (scaleout.replica)
        report = replica_read(
            report_for, user=actor_of(request), level=level, period=period_from_params(request.query_params)
        )
        if fmt in EXPORT_FORMATS:
            return export_response(fmt, [report_table(report)], report_stem(report))
        return Response(_json(report))

    @extend_schema(parameters=_PARAMS, responses=_RESPONSES)
    @action(detail=False, methods=["get"])
    def officers(self, request: Request) -> HttpResponseBase:
        return self._render(request, "officers")

    @extend_schema(parameters=_PARAMS, responses=_RESPONSES)
    @action(detail=False, methods=["get"])
    def departments(self, request: Request) -> HttpResponseBase:
        return self._render(request, "departments")

    @extend_schema(parameters=_PARAMS, responses=_RESPONSES)
    @action(detail=False, methods=["get"])
    def parks(self, request: Request) -> HttpResponseBase:
        return self._render(request, "parks")

    @extend_schema(parameters=_PARAMS, responses=_RESPONSES)
    @action(detail=False, methods=["get"], url_path="service-items")
    def service_items(self, request: Request) -> HttpResponseBase:
        """Tickets and guides' deflections per service item in the period (办事指南成效)."""
        fmt = _format(request)
        period = period_from_params(request.query_params)
        rows = replica_read(service_item_figures, user=actor_of(request), period=period)
        if fmt in EXPORT_FORMATS:
            return export_response(fmt, [service_item_table(rows)], f"service-items-{period.start:%Y%m%d}")
        results = [
            {
                "service_item": row.code or None,
                "name": row.name,
                "department": row.department,
                "tickets": row.tickets,
                "deflections": row.deflections,
                "deflection_rate": row.deflection_rate,
            }
            for row in rows
        ]
        span = {"kind": period.kind, "from": period.start.isoformat(), "to": period.end.isoformat()}
        return Response({"period": span, "results": results})

    @extend_schema(parameters=_HOTSPOT_PARAMS, responses=_RESPONSES)
    @action(detail=False, methods=["get"])
    def hotspots(self, request: Request) -> HttpResponseBase:
        """The top themes (service item and keyword) of the period's tickets in scope, each
        with the previous period's count, the change and sample tickets (triage.hotspots)."""
        fmt = _format(request)
        period = period_from_params(request.query_params)
        park, limit = hotspot_params(request.query_params)
        report = replica_read(hotspot_report, user=actor_of(request), period=period, park_id=park, limit=limit)
        if fmt in EXPORT_FORMATS:
            return export_response(fmt, [hotspot_table(report)], hotspot_stem(report))
        return Response(hotspot_json(report))
