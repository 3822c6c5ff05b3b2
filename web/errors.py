"""The web's 400, 403, 404 and 500 pages (config/urls.py names them as Django's handlers): the
site's layout, so a signed-in user keeps the navigation, the reason the view gave when it gave
one, and a link home. Under /api/ the answers stay the API's JSON. The 500 handler renders
without the database, and answers 503 when the database is what failed
(servicedesk.unavailable)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.functional import Promise
from django.utils.translation import gettext
from rest_framework import status

from servicedesk.api.errors import api_not_found
from servicedesk.unavailable import response_for_current_exception


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def _reason(exception: Exception | None) -> str:
    """The message a view raised with (`PermissionDenied("…")`, `Http404("…")`); "" for a bare
    raise, and for the URL resolver's own detail (a dict of the patterns tried)."""
    message = exception.args[0] if exception is not None and exception.args else ""
    return str(message) if isinstance(message, str | Promise) else ""


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django refused before any view: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413),
    too many fields, a forged host (400). JSON under /api/, the site's page elsewhere."""
    too_big = isinstance(exception, RequestDataTooBig)
    code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if too_big else status.HTTP_400_BAD_REQUEST
    if too_big:
        megabytes = max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))
        reason = gettext("The request is too large: at most %(size)s MB (files go as uploads).") % {"size": megabytes}
    else:
        reason = gettext("The request could not be read.")
    if _is_api(request):
        return JsonResponse({"detail": reason, "code": "too_large" if too_big else "bad_request"}, status=code)
    # rendered without the request's context: the session or the user may be what failed
    return HttpResponse(loader.get_template("400.html").render({"reason": reason}), status=code)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        detail = gettext("You do not have permission to perform this action.")
        return JsonResponse({"detail": detail, "code": "permission_denied"}, status=status.HTTP_403_FORBIDDEN)
    return render(request, "403.html", {"reason": _reason(exception)}, status=status.HTTP_403_FORBIDDEN)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return api_not_found(request)
    return render(request, "404.html", {"reason": _reason(exception)}, status=status.HTTP_404_NOT_FOUND)


def server_error(request: HttpRequest) -> HttpResponse:
    """An exception nothing else answered (also one a middleware raised): 503 when the
    database is away, otherwise 500; never a traceback, and nothing read from the database."""
    unavailable = response_for_current_exception(request)
    if unavailable is not None:
        return unavailable
    if _is_api(request):
        detail = gettext("Server error. It has been logged; please try again.")
        return JsonResponse({"detail": detail, "code": "server_error"}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return HttpResponse(loader.get_template("500.html").render({}), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
