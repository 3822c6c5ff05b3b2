"""The ticket endpoints: list / create / detail, the transitions, events, attachments,
extension decisions and assist answers. Views parse, call one service, and render."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

import textsearch
from servicedesk.api.actor import actor_of
from servicedesk.api.ids import StrictPkMixin
from servicedesk.api.ids import path_id as _pk
from servicedesk.api.pagination import StandardPagination
from servicedesk.api.parsers import API_PARSERS
from servicedesk.api.throttles import EnterpriseWriteThrottle
from servicedesk.errors import NotFound

from . import ratings, selectors, services
from . import ratings_serializers as rs
from . import serializers as s
from .filters import AssistFilter, ExtensionFilter, TicketFilter, TicketOrdering
from .merge import ticket_link, ticket_merge
from .models import AssistRequest, ExtensionRequest, Ticket

ERRORS = {
    400: OpenApiResponse(description="Invalid input (field errors)"),
    403: OpenApiResponse(description="Your role may not do this"),
    404: OpenApiResponse(description="No such ticket in your scope"),
    409: OpenApiResponse(description="Not possible in the ticket's current status; nothing changed"),
}


class _TicketRowsPaginator(textsearch.SearchPaginator):
    """Counts the filtered tickets as they are (a search by the ids it found); reads the page
    as the rows the list renders."""

    def page(self, number: Any) -> Page:
        page = super().page(number)
        page.object_list = page.object_list.values_list(*s.ticket_row_columns())  # type: ignore[attr-defined]
        return page


class TicketPagination(StandardPagination):
    """The standard page of `values_list` rows (`serializers.ticket_rows`): the count runs
    on the tickets alone, without the joins that the enterprise's and service item's names
    in the rows need."""

    django_paginator_class = _TicketRowsPaginator


def _transition(request_serializer: type[serializers.Serializer] | None, summary: str) -> Any:  # type: ignore[type-arg]
    return extend_schema(request=request_serializer, responses={200: s.TicketOutput, **ERRORS}, summary=summary)


@extend_schema_view(
    list=extend_schema(summary="Tickets in your scope (officer queue: ?assignee=me&ordering=resolve_due_at)"),
    retrieve=extend_schema(summary="One ticket", responses={200: s.TicketOutput, 404: ERRORS[404]}),
)
class TicketViewSet(StrictPkMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    serializer_class = s.TicketOutput
    parser_classes = API_PARSERS
    not_found = _("No such ticket.")
    queryset = Ticket.objects.none()
    filterset_class = TicketFilter
    filter_backends = [DjangoFilterBackend, TicketOrdering]
    pagination_class = TicketPagination
    ordering_fields = {"created_at": "created_at", "resolve_due_at": "resolve_due_at", "priority": "priority_rank"}
    ordering = ["-created_at", "-id"]
    # an enterprise user's writes, per user (issue 23: 50 tickets and 20 replies in seconds)
    enterprise_throttle_scopes = {
        "create": "enterprise_ticket",
        "reply": "enterprise_write",
        "attachments": "enterprise_write",
    }

    def get_throttles(self):  # type: ignore[no-untyped-def]
        return [*super().get_throttles(), EnterpriseWriteThrottle()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        user = actor_of(self.request)
        # the officer's queue (`?assignee=me`): the filter below applies it again
        mine = self.action == "list" and self.request.query_params.get("assignee") in ("me", str(user.pk))
        return selectors.ticket_api_list_for(user, assigned_to_self=mine)

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        """The list's filters and ordering apply to the list: one ticket by id (detail, its
        events and attachments, the actions) is found in the caller's scope alone, without
        building the filter form and the ordering for every request."""
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page as rows, not model instances (`serializers.ticket_rows`): the same JSON."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        if page is None:  # pragma: no cover - the API always paginates
            raise AssertionError("the ticket list is paginated")
        return self.get_paginated_response(s.ticket_rows(page, request))

    def _render(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        """The ticket after a change, as the caller now sees it. A transfer may have moved it
        out of the caller's scope: they still get the outcome of what they did, with no
        further actions offered."""
        visible = selectors.ticket_api_list_for(actor_of(self.request)).filter(pk=ticket.pk).first()
        if visible is None:
            hidden = Ticket.objects.select_related("service_item", "enterprise").get(pk=ticket.pk)
            data = dict(s.TicketOutput(hidden, context={"request": self.request}).data)
            data["allowed_actions"] = []
            return Response(data, status=code)
        return Response(s.TicketOutput(visible, context={"request": self.request}).data, status=code)

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:  # type: ignore[type-arg]
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _id(self) -> int:
        return _pk(self.kwargs.get("pk"), _("No such ticket."))

    @extend_schema(request=s.TicketCreateInput, responses={201: s.TicketOutput, **ERRORS}, summary="File a ticket")
    def create(self, request: Request) -> Response:
        actor = actor_of(request)
        ticket = services.ticket_create(actor=actor, **self._input(s.TicketCreateInput))
        if selectors.sees_ticket_in_memory(actor, ticket):
            # the ticket as just written (with its enterprise and service item): no re-read
            return Response(s.TicketOutput(ticket, context={"request": request}).data, status=status.HTTP_201_CREATED)
        return self._render(ticket, status.HTTP_201_CREATED)

    @_transition(None, "签收 accept")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        self._input(s.NoInput)
        return self._render(services.ticket_accept(ticket_id=self._id(), actor=actor_of(request)))

    @_transition(s.ReasonInput, "退单 return a misrouted ticket before accepting it")
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str) -> Response:
        ticket = services.ticket_return(ticket_id=self._id(), actor=actor_of(request), **self._input(s.ReasonInput))
        return self._render(ticket)

    @extend_schema(request=s.BodyInput, responses={201: s.EventOutput, **ERRORS}, summary="Public reply")
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str) -> Response:
        event = services.ticket_reply(ticket_id=self._id(), actor=actor_of(request), **self._input(s.BodyInput))
        return Response(s.EventOutput(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.BodyInput, responses={201: s.EventOutput, **ERRORS}, summary="Internal note")
    @action(detail=True, methods=["post"])
    def note(self, request: Request, pk: str) -> Response:
        event = services.ticket_note(ticket_id=self._id(), actor=actor_of(request), **self._input(s.BodyInput))
        return Response(s.EventOutput(event).data, status=status.HTTP_201_CREATED)

    @_transition(s.TransferInput, "Transfer to an officer or a department (the owner stays)")
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        ticket = services.ticket_transfer(ticket_id=self._id(), actor=actor_of(request), **self._input(s.TransferInput))
        return self._render(ticket)

    @extend_schema(request=s.AssistInput, responses={201: s.AssistOutput, **ERRORS}, summary="协办 ask for help")
    @action(detail=True, methods=["post"])
    def assist(self, request: Request, pk: str) -> Response:
        assist = services.ticket_assist(ticket_id=self._id(), actor=actor_of(request), **self._input(s.AssistInput))
        return Response(s.AssistOutput(assist).data, status=status.HTTP_201_CREATED)

    @_transition(s.ReasonInput, "挂起 wait on the enterprise (the resolution clock pauses)")
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str) -> Response:
        ticket = services.ticket_suspend(ticket_id=self._id(), actor=actor_of(request), **self._input(s.ReasonInput))
        return self._render(ticket)

    @_transition(None, "Resume (the deadline moves by the paused time)")
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        self._input(s.NoInput)
        return self._render(services.ticket_resume(ticket_id=self._id(), actor=actor_of(request)))

    @_transition(s.ResolveInput, "办结 resolve")
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        ticket = services.ticket_resolve(ticket_id=self._id(), actor=actor_of(request), **self._input(s.ResolveInput))
        return self._render(ticket)

    @_transition(s.OptionalReasonInput, "Withdraw (enterprise, before acceptance)")
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        data = self._input(s.OptionalReasonInput)
        return self._render(services.ticket_withdraw(ticket_id=self._id(), actor=actor_of(request), **data))

    @_transition(s.RateInput, "好差评 rate 1–5 (closes the ticket)")
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: str) -> Response:
        services.ticket_rate(ticket_id=self._id(), actor=actor_of(request), **self._input(s.RateInput))
        return self._render(Ticket(pk=self._id()))

    @_transition(s.ReasonInput, "Reopen (resolved, or closed within 7 days)")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        ticket = services.ticket_reopen(ticket_id=self._id(), actor=actor_of(request), **self._input(s.ReasonInput))
        return self._render(ticket)

    @_transition(rs.RatingReviewInput, "差评核查 check a bad rating: valid (rectify) or dismissed (managers)")
    @action(detail=True, methods=["post"], url_path="review-rating")
    def review_rating(self, request: Request, pk: str) -> Response:
        ratings.rating_review(ticket_id=self._id(), actor=actor_of(request), **self._input(rs.RatingReviewInput))
        return self._render(Ticket(pk=self._id()))

    @extend_schema(
        request=rs.ReturnVisitInput, responses={201: rs.ReturnVisitOutput, **ERRORS}, summary="回访 return visit"
    )
    @action(detail=True, methods=["post"], url_path="return-visit")
    def return_visit(self, request: Request, pk: str) -> Response:
        data = self._input(rs.ReturnVisitInput)
        visit = ratings.return_visit_record(ticket_id=self._id(), actor=actor_of(request), **data)
        return Response(rs.ReturnVisitOutput(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=rs.PraiseInput, responses={201: rs.PraiseOutput, **ERRORS}, summary="感谢信 / 锦旗 record praise"
    )
    @action(detail=True, methods=["post"])
    def praise(self, request: Request, pk: str) -> Response:
        data = self._input(rs.PraiseInput)
        praise = ratings.ticket_praise(ticket_id=self._id(), actor=actor_of(request), **data)
        return Response(rs.PraiseOutput(praise).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.LinkInput,
        responses={201: s.LinkOutput, **ERRORS},
        summary="关联 link a related ticket (officers, managers in scope of both)",
    )
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str) -> Response:
        data = self._input(s.LinkInput)
        link = ticket_link(ticket_id=self._id(), other_id=data["ticket"], actor=actor_of(request))
        return Response(s.LinkOutput(link).data, status=status.HTTP_201_CREATED)

    @_transition(s.MergeInput, "工单合并 merge this duplicate into a primary (it closes; its enterprise follows)")
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        data = self._input(s.MergeInput)
        ticket = ticket_merge(
            ticket_id=self._id(), into_id=data["into"], actor=actor_of(request), reason=data.get("reason", "")
        )
        return self._render(ticket)

    @extend_schema(
        request=s.ExtendInput, responses={201: s.ExtensionOutput, **ERRORS}, summary="延期 ask for more time"
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str) -> Response:
        extension = services.extension_request(
            ticket_id=self._id(), actor=actor_of(request), **self._input(s.ExtendInput)
        )
        return Response(s.ExtensionOutput(extension).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.EventOutput(many=True), 404: ERRORS[404]}, summary="Audit trail, oldest first")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        events = selectors.event_list_for(actor_of(request), ticket)
        return Response(s.EventOutput(events, many=True).data)

    @extend_schema(
        methods=["GET"], responses={200: s.AttachmentOutput(many=True), 404: ERRORS[404]}, summary="Attachments"
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.AttachmentInput},
        responses={201: s.AttachmentOutput, 413: OpenApiResponse(description="File too large"), **ERRORS},
        summary="Upload an attachment (size and type limits)",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
        filterset_class=None,
    )
    def attachments(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            ticket = self.get_object()
            return Response(
                s.AttachmentOutput(selectors.attachment_list_for(actor_of(request), ticket), many=True).data
            )
        data = self._input(s.AttachmentInput)
        attachment = services.attachment_add(
            ticket_id=self._id(), actor=actor_of(request), upload=data["file"], public=data["public"]
        )
        return Response(s.AttachmentOutput(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        # the stored type, one of the accepted ones (tickets.uploads), never chosen by the uploader
        responses={(200, "*/*"): OpenApiTypes.BINARY, 404: ERRORS[404]},
        summary="Download (sent as an attachment, sandboxed)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})",
        pagination_class=None,
        filterset_class=None,
    )
    def download(self, request: Request, pk: str, attachment_id: str) -> FileResponse:
        ticket = self.get_object()
        attachment = selectors.attachment_list_for(actor_of(request), ticket).filter(pk=int(attachment_id)).first()
        if attachment is None:
            raise NotFound(_("No such attachment."))
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise NotFound(_("No such attachment.")) from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class ExtensionViewSet(StrictPkMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Extension requests on tickets in your scope; managers approve or reject them."""

    serializer_class = s.ExtensionOutput
    parser_classes = API_PARSERS
    not_found = _("No such extension request.")
    queryset = ExtensionRequest.objects.none()
    filterset_class = ExtensionFilter
    ordering = ["-id"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return ExtensionRequest.objects.none()
        visible = selectors.ticket_list_for(actor_of(self.request)).values("pk")
        return ExtensionRequest.objects.filter(ticket__in=visible).order_by("-id")

    def _id(self) -> int:
        return _pk(self.kwargs.get("pk"), _("No such extension request."))

    @extend_schema(request=s.OptionalReasonInput, responses={200: s.ExtensionOutput, **ERRORS})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = s.OptionalReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        extension = services.extension_approve(extension_id=self._id(), actor=actor_of(request), **data.validated_data)
        return Response(s.ExtensionOutput(extension).data)

    @extend_schema(request=s.ReasonInput, responses={200: s.ExtensionOutput, **ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        data = s.ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        extension = services.extension_reject(extension_id=self._id(), actor=actor_of(request), **data.validated_data)
        return Response(s.ExtensionOutput(extension).data)


class AssistViewSet(StrictPkMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Assist requests (协办) on tickets in your scope; the asked department answers."""

    serializer_class = s.AssistOutput
    parser_classes = API_PARSERS
    not_found = _("No such assist request.")
    queryset = AssistRequest.objects.none()
    filterset_class = AssistFilter
    ordering = ["-id"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return AssistRequest.objects.none()
        visible = selectors.ticket_list_for(actor_of(self.request)).values("pk")
        return AssistRequest.objects.filter(ticket__in=visible).order_by("-id")

    @extend_schema(request=s.AnswerInput, responses={200: s.AssistOutput, **ERRORS})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        assist_id = _pk(pk, _("No such assist request."))
        data = s.AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        assist = services.assist_answer(assist_id=assist_id, actor=actor_of(request), **data.validated_data)
        return Response(s.AssistOutput(assist).data)
