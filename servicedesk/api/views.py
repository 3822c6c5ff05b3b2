"""Organisation endpoints: token, users, parks, departments, enterprises, service items."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db.models import QuerySet
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from servicedesk import selectors, services
from servicedesk.errors import NotFound
from servicedesk.models import Enterprise, User
from servicedesk.permissions import IsManagerOrAdmin, ReadOnlyOrManager, ReadOnlyOrZoneManager

from . import serializers as s
from .actor import actor_of
from .parsers import API_PARSERS


def _schema_only(view: Any) -> bool:
    """True while drf-spectacular inspects the view with a fake, anonymous request."""
    return bool(getattr(view, "swagger_fake_view", False))


class LoginRateThrottle(ScopedRateThrottle):
    """The "auth" rate per client address. DRF, with NUM_PROXIES unset, takes the address from
    the X-Forwarded-For header whatever the client wrote there, so a password guesser could
    start a fresh count with every request; here an unset NUM_PROXIES means no trusted proxy
    (the shipped setup has gunicorn face the clients). Behind a proxy, set NUM_PROXIES."""

    def get_ident(self, request: Request) -> str:
        if api_settings.NUM_PROXIES is None:
            return str(request.META.get("REMOTE_ADDR", ""))
        return str(super().get_ident(request))


class TokenView(APIView):
    """Exchange a username and password for a new API token (throttled per client address).
    Every sign-in issues a token of its own (one per device or script), valid for
    API_TOKEN_LIFETIME_DAYS; its owner lists and revokes them at /api/v1/auth/tokens/."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = API_PARSERS
    throttle_classes = [LoginRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=s.TokenInput,
        responses={
            200: s.TokenOutput,
            400: OpenApiResponse(description="Wrong username or password, or a malformed body."),
            429: OpenApiResponse(description="Too many attempts from this address: wait and retry."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = s.TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None or not user.is_active:
            return Response({"detail": gettext("Wrong username or password.")}, status=status.HTTP_400_BAD_REQUEST)
        token, key = services.api_token_create(user=user, name=data.validated_data["name"])
        # a login like any other: sets last_login, and clears the failed attempts (django-axes)
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response(s.TokenOutput({"token": key, "expires": token.expires_at}).data)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """People in the caller's scope; managers and admins create users."""

    queryset = User.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = s.UserOutput
    parser_classes = API_PARSERS
    filterset_fields = ["role", "department", "park", "enterprise"]
    ordering_fields = ["id", "username"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[User]:
        if _schema_only(self):
            return User.objects.none()
        return selectors.user_list_for(self.request.user).order_by("id")

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return [IsManagerOrAdmin()]
        return [IsAuthenticated()]

    @extend_schema(request=s.UserCreateInput, responses={201: s.UserOutput})
    def create(self, request: Request) -> Response:
        data = s.UserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor = actor_of(request)
        enterprise = data.validated_data.get("enterprise")
        if enterprise is not None and not selectors.enterprise_list_for(actor).filter(pk=enterprise.pk).exists():
            # outside the manager's scope: the answer for an enterprise that does not exist
            raise NotFound("No such enterprise.")
        user = services.user_create(actor=actor, **data.validated_data)
        return Response(s.UserOutput(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The signed-in user", responses={200: s.UserOutput})
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(s.UserOutput(actor_of(request)).data)


class ParkViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The parks of the zone (一区多园), for everyone signed in."""

    serializer_class = s.ParkOutput
    queryset = selectors.park_list().order_by("id")
    filterset_fields = ["zone"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The departments of the administration, for everyone signed in."""

    serializer_class = s.DepartmentOutput
    queryset = selectors.department_list().order_by("id")
    filterset_fields = ["zone", "park"]


class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Enterprises in the caller's scope; park and zone managers create and edit them."""

    queryset = Enterprise.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = s.EnterpriseOutput
    permission_classes = [ReadOnlyOrManager]
    parser_classes = API_PARSERS
    filterset_fields = ["park", "chief_officer", "deputy_officer"]
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Enterprise]:
        if _schema_only(self):
            return Enterprise.objects.none()
        return selectors.enterprise_list_for(self.request.user).order_by("id")

    @extend_schema(request=s.EnterpriseInput, responses={201: s.EnterpriseOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.EnterpriseInput(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(actor=actor_of(request), **data.validated_data)
        return Response(s.EnterpriseOutput(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EnterpriseInput, responses={200: s.EnterpriseOutput})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enterprise = self.get_object()  # 404 outside the caller's scope, then 403 for the wrong role
        data = s.EnterpriseInput(data=request.data, partial=True, context={"instance": enterprise})
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_update(
            actor=actor_of(request), enterprise_id=enterprise.pk, **data.validated_data
        )
        return Response(s.EnterpriseOutput(enterprise).data)


class ServiceItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """The catalogue (one window for every department's services); looked up by code."""

    serializer_class = s.ServiceItemSerializer
    permission_classes = [ReadOnlyOrZoneManager]
    parser_classes = API_PARSERS
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    queryset = selectors.service_item_list().order_by("code")
    filterset_fields = ["department", "clock", "is_active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(request=s.ServiceItemSerializer, responses={201: s.ServiceItemSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.ServiceItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.service_item_create(actor=actor_of(request), **data.validated_data)
        return Response(s.ServiceItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ServiceItemSerializer, responses={200: s.ServiceItemSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        data = s.ServiceItemSerializer(item, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        item = services.service_item_update(actor=actor_of(request), item_id=item.pk, **data.validated_data)
        return Response(s.ServiceItemSerializer(item).data)
