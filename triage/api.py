"""`/api/v1/tickets/similar/` and `/api/v1/tickets/{id}/similar/`: open tickets in the
caller's scope that say the same thing. Views parse, call one selector, and render."""

from __future__ import annotations

from dataclasses import asdict

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from scaleout.replica import replica_read
from servicedesk.api.actor import actor_of
from servicedesk.api.parsers import API_PARSERS
from servicedesk.errors import NotFound
from servicedesk.models import ServiceItem, User
from tickets import selectors

from . import serializers as s
from .routing import suggest
from .similar import similar_open_tickets, similar_to_ticket


def _ticket_id(raw: object) -> int:
    text = str(raw or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) == 0:
        raise NotFound(_("No such ticket."))
    return int(text)


def _park_of(user: User) -> int | None:
    if user.role == User.Role.ENTERPRISE and user.enterprise_id:
        return user.enterprise.park_id if user.enterprise else None
    return user.park_id


class SimilarTicketViewSet(viewsets.ViewSet):
    """Similar open tickets, for a draft (filing) or for a ticket (its page)."""

    parser_classes = API_PARSERS

    @extend_schema(
        request=s.SimilarDraftInput,
        responses={200: s.SimilarTicketOutput(many=True), 400: OpenApiResponse(description="Invalid input")},
        summary="Open tickets in your scope like this draft (best first)",
    )
    @action(detail=False, methods=["post"])
    def similar(self, request: Request) -> Response:
        data = s.SimilarDraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = actor_of(request)
        code = data.validated_data["service_item"]
        item_id = ServiceItem.objects.filter(code=code).values_list("pk", flat=True).first() if code else None
        found = replica_read(  # a search: on the standby when there is one (scaleout.replica)
            similar_open_tickets,
            user,
            title=data.validated_data["title"],
            description=data.validated_data["description"],
            service_item_id=item_id,
            park_id=_park_of(user),
        )
        return Response(s.SimilarTicketOutput([asdict(t) for t in found], many=True).data)

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.SimilarTicketOutput(many=True), 404: OpenApiResponse(description="No such ticket")},
        summary="Open tickets in your scope that say what this one says",
    )
    @action(detail=True, methods=["get"], url_path="similar")
    def similar_to(self, request: Request, pk: str) -> Response:
        user = actor_of(request)
        ticket = selectors.ticket_list_for(user).select_related(None).filter(pk=_ticket_id(pk)).first()
        if ticket is None:
            raise NotFound(_("No such ticket."))
        found = replica_read(similar_to_ticket, user, ticket)
        return Response(s.SimilarTicketOutput([asdict(t) for t in found], many=True).data)


class TriageViewSet(viewsets.ViewSet):
    """`POST /api/v1/triage/`: the service items most likely for a draft ticket."""

    parser_classes = API_PARSERS

    @extend_schema(
        request=s.DraftInput,
        responses={200: s.TriageOutput, 400: OpenApiResponse(description="Invalid input")},
        summary="Suggested service items for a draft (top three; empty without a model)",
    )
    def create(self, request: Request) -> Response:
        data = s.DraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = suggest(data.validated_data["title"], data.validated_data["description"])
        return Response(
            s.TriageOutput(
                {
                    "suggestions": [asdict(x) for x in found.suggestions],
                    "model": found.model,
                    "reason": found.reason,
                }
            ).data
        )
