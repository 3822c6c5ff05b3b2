"""`/api/v1/report-subscriptions/`: a manager's own sheets on schedule — list, subscribe
(`{"sheet", "channel"}`), stop (DELETE). Another user's subscription is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from reports.audit import require_manager
from servicedesk.api.actor import actor_of
from servicedesk.api.ids import path_id
from servicedesk.api.parsers import API_PARSERS

from . import services
from .models import Channel, Sheet, SheetSubscription


class SubscriptionInput(serializers.Serializer):  # type: ignore[type-arg]
    sheet = serializers.ChoiceField(choices=Sheet.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)


class SubscriptionOutput(serializers.ModelSerializer[SheetSubscription]):
    class Meta:
        model = SheetSubscription
        fields = ["id", "sheet", "channel", "created_at"]


def _pk(raw: object) -> int:
    return path_id(raw, _("No such subscription."))


class ReportSubscriptionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """报表订阅: the weekly dispatch sheet, the monthly ranking and the quarterly bulletin of
    the caller's scope, by e-mail (XLSX attached) or to their group robot; managers only."""

    queryset = SheetSubscription.objects.none()
    serializer_class = SubscriptionOutput
    parser_classes = API_PARSERS
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[SheetSubscription]:
        if getattr(self, "swagger_fake_view", False):
            return SheetSubscription.objects.none()
        user = actor_of(self.request)
        require_manager(user)
        return services.subscriptions_of(user)

    @extend_schema(
        request=SubscriptionInput,
        responses={201: SubscriptionOutput, 400: OpenApiResponse(description="Invalid"), 403: OpenApiResponse()},
    )
    def create(self, request: Request) -> Response:
        data = SubscriptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscribe(user=actor_of(request), **data.validated_data)
        return Response(SubscriptionOutput(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 403: OpenApiResponse(), 404: OpenApiResponse()})
    def destroy(self, request: Request, pk: str) -> Response:
        user = actor_of(request)
        require_manager(user)
        services.unsubscribe(user=user, subscription_id=_pk(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
