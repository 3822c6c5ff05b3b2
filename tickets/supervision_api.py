"""Supervision orders (督办): managers and officers list the ones on tickets in their scope;
the handling officer answers in writing; a manager may issue one by hand."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk.api.actor import actor_of
from servicedesk.api.ids import StrictPkMixin
from servicedesk.api.ids import path_id as _pk
from servicedesk.api.parsers import API_PARSERS
from servicedesk.models import User
from servicedesk.selectors import is_admin

from . import selectors
from .models import SupervisionOrder
from .serializers import REASON_MAX, AnswerInput, Text
from .sla import escalation

ERRORS = {
    400: OpenApiResponse(description="Invalid input (field errors)"),
    403: OpenApiResponse(description="Your role may not do this"),
    404: OpenApiResponse(description="No such supervision order (or ticket) in your scope"),
    409: OpenApiResponse(description="Answered already / the ticket is not open"),
}


class SupervisionOrderOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    level = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionOrder
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "deadline_kind",
            "level",
            "reason",
            "addressed_to",
            "issued_by",
            "managers",
            "answer_due_at",
            "answer",
            "answered_by",
            "answered_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_level(self, order: SupervisionOrder) -> str:
        return "automatic" if order.escalation_id else "manual"


class SupervisionIssueInput(serializers.Serializer):  # type: ignore[type-arg]
    ticket = serializers.IntegerField(min_value=1, max_value=2**62)
    reason = Text(max_length=REASON_MAX)


class ManagerOrOfficer(BasePermission):
    message = "Supervision orders are for managers and officers."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not isinstance(user, User):
            return False
        return is_admin(user) or user.role in (User.Role.MANAGER, User.Role.OFFICER)


@extend_schema_view(
    list=extend_schema(summary="督办 supervision orders on tickets in your scope"),
    retrieve=extend_schema(summary="One supervision order", responses={200: SupervisionOrderOutput, 404: ERRORS[404]}),
)
class SupervisionOrderViewSet(
    StrictPkMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = SupervisionOrderOutput
    parser_classes = API_PARSERS
    not_found = _("No such supervision order.")
    queryset = SupervisionOrder.objects.none()
    ordering = ["-id"]

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [*super().get_permissions(), ManagerOrOfficer()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return SupervisionOrder.objects.none()
        visible = selectors.ticket_list_for(actor_of(self.request)).values("pk")
        return (
            SupervisionOrder.objects.filter(ticket__in=visible)
            .select_related("ticket")
            .prefetch_related("managers")
            .order_by("-id")
        )

    @extend_schema(
        request=SupervisionIssueInput,
        responses={201: SupervisionOrderOutput, **ERRORS},
        summary="Issue a supervision order by hand (manager)",
    )
    def create(self, request: Request) -> Response:
        data = SupervisionIssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = escalation.supervision_issue(
            ticket_id=data.validated_data["ticket"], actor=actor_of(request), reason=data.validated_data["reason"]
        )
        return Response(SupervisionOrderOutput(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AnswerInput,
        responses={200: SupervisionOrderOutput, **ERRORS},
        summary="The handling officer's written answer",
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        order_id = _pk(pk, _("No such supervision order."))
        data = AnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = escalation.supervision_answer(
            order_id=order_id, actor=actor_of(request), answer=data.validated_data["answer"]
        )
        return Response(SupervisionOrderOutput(order).data)
