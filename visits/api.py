"""The visit log (走访) and the 惠企日 coverage: `/api/v1/visits/`. Views parse, call one
service or selector (visits.services), and render."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk import clock
from servicedesk.api.actor import actor_of
from servicedesk.api.ids import BIGINT_MAX, path_id
from servicedesk.api.parsers import API_PARSERS
from servicedesk.errors import Invalid, NotFound
from servicedesk.models import Enterprise, ServiceItem, User
from servicedesk.selectors import is_admin
from tickets.models import Kind, Priority

from . import services as visits
from .models import Visit, VisitMethod, VisitPhoto, VisitProblem

EARLIEST_VISIT = datetime(2000, 1, 1, tzinfo=UTC)


class _Text(serializers.CharField):
    """Text only: a number or a list where text belongs is a 400."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class _Code(serializers.SlugRelatedField):  # type: ignore[type-arg]
    def to_internal_value(self, data: Any) -> Any:
        # a NUL byte never reaches the query: PostgreSQL refuses it in text (a 500, found by the fuzzer)
        if not isinstance(data, str) or len(data) > 100 or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class VisitProblemInput(serializers.Serializer):  # type: ignore[type-arg]
    description = _Text(max_length=20000)
    to_ticket = serializers.BooleanField(required=False, default=False)
    service_item = _Code(slug_field="code", queryset=ServiceItem.objects.all(), required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, default=Kind.HELP)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, default=Priority.NORMAL)
    title = _Text(required=False, allow_blank=True, max_length=200, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("to_ticket") and attrs.get("service_item") is None:
            raise serializers.ValidationError({"service_item": [_("Required when the problem becomes a ticket.")]})
        return attrs


class VisitInput(serializers.Serializer):  # type: ignore[type-arg]
    enterprise = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)
    visited_at = serializers.DateTimeField()
    method = serializers.ChoiceField(choices=VisitMethod.choices, required=False, default=VisitMethod.ON_SITE)
    people_met = _Text(required=False, allow_blank=True, max_length=200, default="")
    summary = _Text(max_length=20000)
    problems = VisitProblemInput(many=True, required=False, default=list)

    def validate_visited_at(self, value: datetime) -> datetime:
        # Found by the fuzzer: year 137 was accepted and came back with a local-mean-time offset
        # (+08:05:43) that is no ISO 8601 date-time. The desk has no visits from before 2000.
        if value < EARLIEST_VISIT:
            raise serializers.ValidationError(_("Not before 2000."))
        return value

    def validate_problems(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(value) > 50:
            raise serializers.ValidationError(_("At most %(n)d problems per visit.") % {"n": 50})
        return value


class VisitProblemOutput(serializers.ModelSerializer[VisitProblem]):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None, allow_null=True)

    class Meta:
        model = VisitProblem
        fields = ["id", "description", "ticket", "ticket_number"]


class VisitPhotoInput(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(allow_empty_file=True, max_length=200)


class VisitPhotoOutput(serializers.ModelSerializer[VisitPhoto]):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = VisitPhoto
        fields = ["id", "original_name", "content_type", "size", "uploaded_by", "created_at", "download_url"]

    def get_download_url(self, photo: VisitPhoto) -> str:
        return f"/api/v1/visits/{photo.visit_id}/photos/{photo.pk}/"


class VisitOutput(serializers.ModelSerializer[Visit]):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    officer_name = serializers.CharField(source="officer.__str__", read_only=True)
    problems = VisitProblemOutput(many=True, read_only=True)
    method = serializers.CharField(read_only=True)  # the choice set is documented on the input
    photos = VisitPhotoOutput(many=True, read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "officer",
            "officer_name",
            "visited_at",
            "method",
            "people_met",
            "summary",
            "problems",
            "photos",
            "created_at",
        ]


def _pk(raw: object) -> int:
    return path_id(raw, _("No such visit."))


def _date(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
        if not clock.in_range(day):
            raise ValueError(raw)
        return day
    except ValueError:
        raise Invalid(
            # Translators: %(name)s is a query parameter, from or to
            _("%(name)s is a date (YYYY-MM-DD).") % {"name": name},
            detail={name: [_("Use YYYY-MM-DD.")]},
        ) from None


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Visits in your scope (officers: yours; managers: in scope); officers and managers log
    them. For enterprise users the visit log does not exist: every route of it is a 404."""

    queryset = Visit.objects.none()
    serializer_class = VisitOutput
    parser_classes = API_PARSERS
    filterset_fields = ["enterprise", "officer", "method"]
    ordering_fields = ["visited_at", "id"]
    ordering = ["-visited_at", "-id"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # 401 before anything else
        if request.user.role == User.Role.ENTERPRISE and not is_admin(request.user):  # type: ignore[union-attr]
            raise exceptions.NotFound()  # the answer for a path that names no endpoint

    def get_queryset(self) -> QuerySet[Visit]:
        if getattr(self, "swagger_fake_view", False):
            return Visit.objects.none()
        return visits.visit_list_for(actor_of(self.request)).order_by("-visited_at", "-id")

    def get_object(self) -> Visit:
        self.kwargs["pk"] = str(_pk(self.kwargs.get("pk")))
        obj: Visit = super().get_object()
        return obj

    @extend_schema(
        request=VisitInput,
        responses={
            201: VisitOutput,
            400: OpenApiResponse(description="Invalid input"),
            403: OpenApiResponse(description="Enterprise users do not log visits"),
            404: OpenApiResponse(description="No such enterprise in your scope"),
        },
        summary="走访 log a visit (problems may become tickets in the same step)",
    )
    def create(self, request: Request) -> Response:
        data = VisitInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        enterprise = Enterprise.objects.filter(pk=values.pop("enterprise")).first()
        if enterprise is None:
            raise NotFound(_("No such enterprise."))
        problems = [visits.ProblemInput(**problem) for problem in values.pop("problems")]
        visit = visits.visit_create(actor=actor_of(request), enterprise=enterprise, problems=problems, **values)
        visit = self.get_queryset().get(pk=visit.pk)
        return Response(VisitOutput(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": VisitPhotoInput},
        responses={
            201: VisitPhotoOutput,
            400: OpenApiResponse(description="Not an accepted image"),
            403: OpenApiResponse(description="Not your visit"),
            404: OpenApiResponse(description="No such visit in your scope"),
            413: OpenApiResponse(description="File too large"),
        },
        summary="Add a photo to a visit (images; the upload limits of attachments)",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser], pagination_class=None)
    def photos(self, request: Request, pk: str) -> Response:
        data = VisitPhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        photo = visits.visit_photo_add(visit_id=_pk(pk), actor=actor_of(request), upload=data.validated_data["file"])
        return Response(VisitPhotoOutput(photo).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "image/*"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="No such photo")},
        summary="Download a photo (sent as an attachment, sandboxed)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>[0-9]{1,18})",
        pagination_class=None,
        filter_backends=[],
    )
    def photo(self, request: Request, pk: str, photo_id: str) -> FileResponse:
        visit = self.get_object()
        photo = VisitPhoto.objects.filter(visit=visit, pk=int(photo_id)).first()
        if photo is None:
            raise NotFound(_("No such photo."))
        try:
            handle = photo.file.open("rb")
        except FileNotFoundError:
            raise NotFound(_("No such photo.")) from None
        response = FileResponse(
            handle, as_attachment=True, filename=photo.original_name, content_type=photo.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("week", str, description="ISO week, e.g. 2026-W48 (default: this week)"),
            OpenApiParameter("from", date, description="first day (with `to`, instead of `week`)"),
            OpenApiParameter("to", date, description="last day, inclusive"),
        ],
        responses={200: OpenApiResponse(description="Coverage per officer"), 403: OpenApiResponse()},
        summary="惠企日 visit coverage per officer",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def coverage(self, request: Request) -> Response:
        actor = actor_of(request)
        officers = visits.officers_for_coverage(actor)
        start, end = _date(request, "from"), _date(request, "to")
        week = request.query_params.get("week")
        if start or end:
            if not (start and end) or end < start or (end - start).days > 366:
                # Translators: from and to are the names of the query parameters
                raise Invalid(_("Give from and to (to not before from, at most a year apart)."))
            period = visits.Period(start=start, end=end)
        else:
            today = clock.today_local()
            period = visits.week_period(week or f"{today.isocalendar().year}-W{today.isocalendar().week:02d}")
        weekday = visits.visit_weekday()
        rows = visits.visit_coverage(officers=officers, period=period)
        return Response(
            {
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "month_from": period.month_start.isoformat(),
                "visit_weekday": weekday,
                "results": [row.as_dict() for row in rows],
            }
        )
