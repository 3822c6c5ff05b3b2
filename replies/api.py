"""Canned replies' API: `/api/v1/replies/`. Views parse, call one service or selector
(replies.services), and render."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from servicedesk.api.actor import actor_of
from servicedesk.api.ids import BIGINT_MAX, path_id
from servicedesk.api.parsers import API_PARSERS
from servicedesk.errors import Forbidden
from servicedesk.models import Department

from . import services
from .models import CannedReply


class Text(serializers.CharField):
    """Text only: a number or a list where text belongs is a 400; NUL bytes are refused."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return str(super().to_internal_value(data))


class CannedReplyInput(serializers.Serializer):  # type: ignore[type-arg]
    title = Text(max_length=services.TITLE_LIMIT)
    body = Text(max_length=services.BODY_LIMIT)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        required=False,
        allow_null=True,
        help_text="share with this department; personal when left out",
    )


class CannedReplyUpdateInput(serializers.Serializer):  # type: ignore[type-arg]
    title = Text(max_length=services.TITLE_LIMIT, required=False)
    body = Text(max_length=services.BODY_LIMIT, required=False)


class CannedReplyOutput(serializers.ModelSerializer[CannedReply]):
    placeholders = serializers.SerializerMethodField()

    class Meta:
        model = CannedReply
        fields = [
            "id",
            "title",
            "body",
            "department",
            "owner",
            "placeholders",
            "usage_count",
            "last_used_at",
            "created_at",
            "updated_at",
        ]

    def get_placeholders(self, reply: CannedReply) -> list[str]:
        return services.placeholders_in(reply.body)


class RenderInput(serializers.Serializer):  # type: ignore[type-arg]
    ticket = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX)


class RenderOutput(serializers.Serializer):  # type: ignore[type-arg]
    text = serializers.CharField()


def _pk(raw: object) -> int:
    return path_id(raw, _("No such canned reply."))


class CannedReplyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """回复模板: an officer's own canned replies and their department's, with placeholders
    {enterprise}, {ticket}, {officer}, {due}; `render` fills one in for a ticket and counts it."""

    queryset = CannedReply.objects.none()
    serializer_class = CannedReplyOutput
    parser_classes = API_PARSERS
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[CannedReply]:
        if getattr(self, "swagger_fake_view", False):
            return CannedReply.objects.none()
        user = actor_of(self.request)
        if not services.is_writer(user):
            raise Forbidden(_("Only officers and managers keep canned replies."))
        return services.reply_list_for(user).order_by("title", "id")

    def get_object(self) -> CannedReply:
        self.kwargs["pk"] = str(_pk(self.kwargs.get("pk")))
        obj: CannedReply = super().get_object()
        return obj

    @extend_schema(
        request=CannedReplyInput,
        responses={201: CannedReplyOutput, 400: OpenApiResponse(description="Invalid"), 403: OpenApiResponse()},
    )
    def create(self, request: Request) -> Response:
        data = CannedReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.reply_create(actor=actor_of(request), **data.validated_data)
        return Response(CannedReplyOutput(reply).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CannedReplyUpdateInput,
        responses={200: CannedReplyOutput, 400: OpenApiResponse(description="Invalid"), 403: OpenApiResponse()},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = CannedReplyUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.reply_update(actor=actor_of(request), reply_id=_pk(pk), **data.validated_data)
        return Response(CannedReplyOutput(reply).data)

    @extend_schema(responses={204: None, 403: OpenApiResponse(), 404: OpenApiResponse()})
    def destroy(self, request: Request, pk: str) -> Response:
        services.reply_delete(actor=actor_of(request), reply_id=_pk(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=RenderInput,
        responses={200: RenderOutput, 404: OpenApiResponse(description="No such reply or ticket in scope")},
        summary="The reply filled in for a ticket (counts a use)",
    )
    @action(detail=True, methods=["post"])
    def render(self, request: Request, pk: str) -> Response:
        data = RenderInput(data=request.data)
        data.is_valid(raise_exception=True)
        text = services.reply_render(actor=actor_of(request), reply_id=_pk(pk), ticket_id=data.validated_data["ticket"])
        return Response({"text": text})
