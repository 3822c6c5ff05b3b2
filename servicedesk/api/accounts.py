"""The caller's own account over the API: their tokens (list, revoke), signing out (revoking
the token the request came with) and changing their password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from servicedesk import selectors, services
from servicedesk.models import ApiToken

from . import serializers as s
from .actor import actor_of
from .parsers import API_PARSERS
from .views import LoginRateThrottle


def _current_token_id(request: Request) -> int | None:
    """The id of the token the request was signed with (None for a session)."""
    return request.auth.pk if isinstance(request.auth, ApiToken) else None


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """The caller's own API tokens: list them (never a key, only its first characters) and
    revoke any of them. Anyone else's token is a 404, as one that does not exist."""

    queryset = ApiToken.objects.none()  # for the schema; requests use get_queryset()
    serializer_class = s.ApiTokenOutput
    ordering_fields = ["created_at", "last_used_at", "expires_at"]
    ordering = ["-created_at", "-id"]
    filterset_fields: list[str] = []
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.api_token_list_for(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "current_token_id": _current_token_id(self.request)}

    @extend_schema(responses={204: None, 404: OpenApiResponse(description="Not one of your tokens.")})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = self.get_object()  # 404 for anyone else's
        services.api_token_revoke(user=actor_of(request), token_id=token.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    """Sign out: revoke the token this request is signed with (over a session: end it)."""

    parser_classes = API_PARSERS

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Signed out.")})
    def post(self, request: Request) -> Response:
        token_id = _current_token_id(request)
        if token_id is not None:
            services.api_token_revoke(user=actor_of(request), token_id=token_id)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordView(APIView):
    """Change the caller's own password: the current one, then a new one that passes the
    password rules. Every other token of the caller stops working; the one this request was
    signed with keeps working. Throttled per client address, as sign-in."""

    parser_classes = API_PARSERS
    throttle_classes = [LoginRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=s.PasswordChangeInput,
        responses={
            204: OpenApiResponse(description="The password is changed."),
            400: OpenApiResponse(description="A wrong current password, or a new one the rules refuse."),
            429: OpenApiResponse(description="Too many attempts from this address: wait and retry."),
        },
    )
    def post(self, request: Request) -> Response:
        data = s.PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_password_change(
            user=actor_of(request),
            old_password=data.validated_data["old_password"],
            new_password=data.validated_data["new_password"],
            keep_token_id=_current_token_id(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
