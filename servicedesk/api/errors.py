"""One exception handler for the API: domain errors and Django's own become 4xx JSON."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from servicedesk.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.status_code == status.HTTP_400_BAD_REQUEST and isinstance(exc.detail, dict):
            # field errors at the top level, the same shape as a serializer's 400
            body = {**exc.detail, **body}
        elif exc.detail is not None:
            body["errors"] = exc.detail  # e.g. a 409's status and action
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        response.data = {"detail": str(getattr(exc, "detail", gettext("Upload too large.")))}
    return response


@csrf_exempt  # a POST to no endpoint is a 404, not the CSRF failure page (nothing to protect)
def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any path under /api/ that names no endpoint: a JSON 404 like the API's own, not the site's
    HTML page (and no redirect that appends a slash, which would drop a POST body)."""
    return JsonResponse({"detail": gettext("Not found."), "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
