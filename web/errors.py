"""The web's 403, 404 and 500 pages (config/urls.py names them as Django's handlers): the
site's layout, so a signed-in user keeps the navigation, the reason the view gave when it gave
one, and a link home. Under /api/ the answers stay the API's JSON. The 500 handler renders
without the database, and answers 503 when the database is what failed
(servicedesk.unavailable)."""

from __future__ import annotations

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
