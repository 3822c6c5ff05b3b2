"""While the database is away: a clear 503, never a 500 or a traceback page.

When PostgreSQL restarts (or the network to it drops) the requests of that moment fail on
`OperationalError` / `InterfaceError`. They get a 503 with `Retry-After`: the API's JSON
(`{"detail", "code": "unavailable"}`) under `/api/`, the site's own page elsewhere
(`503.html`, rendered without the database: no session, no navigation, no inbox count). The
request's transaction rolled back with the connection, so nothing was half written; Django
drops the broken connection at the end of the request and the next one connects afresh
(`CONN_HEALTH_CHECKS`): the process recovers by itself when the database is back.

Two ways in: `DatabaseUnavailableMiddleware.process_exception` for what a view raises, and
`response_for_current_exception()` for the site's 500 handler (`web.errors.server_error`),
which sees what a middleware raised (reading the session, saving it).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

_UNAVAILABLE: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
try:  # psycopg 3 raises its own when it is reached outside Django's wrapper
    import psycopg

    _UNAVAILABLE += (psycopg.OperationalError, psycopg.InterfaceError)
except ImportError:  # pragma: no cover - SQLite-only installs
    pass


def is_database_unavailable(exc: BaseException | None) -> bool:
    """The database cannot be reached, or the connection broke (also as a cause)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, _UNAVAILABLE):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503: JSON under /api/, the site's own page elsewhere; rendered without the database."""
    logger.warning(
        "database unavailable: %s %s answered 503 (%s: %s)",
        request.method,
        request.path,
        exc.__class__.__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
    )
    response: HttpResponse
    if is_api(request):
        detail = gettext("The service is briefly unavailable. Please try again in a moment.")
        response = JsonResponse({"detail": detail, "code": "unavailable"}, status=503)
    else:
        # no request in the context: the context processors (navigation, inbox) read the database
        response = HttpResponse(loader.get_template("503.html").render({}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def response_for_current_exception(request: HttpRequest) -> HttpResponse | None:
    """In an error handler: the 503 when the exception being handled is the database's."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_unavailable(exc):
        return unavailable_response(request, exc)
    return None


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return unavailable_response(request, exception)
        return None
