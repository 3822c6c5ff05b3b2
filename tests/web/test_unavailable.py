"""The database away for a moment: a 503 with Retry-After, JSON under /api/, the site's own
page (in the page's language, read from nothing in the database) elsewhere; never a 500 or a
traceback. Other errors: the site's own 500 page, the API's JSON 500."""

from __future__ import annotations

import sys

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory

from notifications.api import NotificationViewSet
from servicedesk.unavailable import is_database_unavailable
from web import views as web_views
from web.errors import server_error

pytestmark = pytest.mark.django_db

GONE = OperationalError("server closed the connection unexpectedly")


@pytest.fixture(autouse=True)
def _production_mode(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False  # Django shows its technical pages instead when DEBUG is on


def _raise(exc: BaseException):  # type: ignore[no-untyped-def]
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


@pytest.mark.parametrize(
    "exc",
    [GONE, InterfaceError("connection already closed"), psycopg.OperationalError("connection refused")],
)
def test_the_api_answers_503_json_while_the_database_is_away(world, api_as, monkeypatch, exc):
    monkeypatch.setattr(NotificationViewSet, "list", _raise(exc))
    client = api_as(world.company)
    client.raise_request_exception = False
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == "unavailable" and response.json()["detail"]
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize(
    ("language", "words"), [("en", "The desk is briefly unavailable"), ("zh-hans", "平台暂时无法使用")]
)
def test_the_web_answers_its_own_503_page_in_the_pages_language(world, monkeypatch, language, words):
    monkeypatch.setattr(web_views.LoginView, "get", _raise(GONE))
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    response = client.get("/accounts/login/")
    assert response.status_code == 503
    body = response.content.decode()
    assert words in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert 'href="/static/web/app.css"' in body  # the site's own layout
    assert response.headers["Retry-After"] == "5"


def test_a_signed_in_page_whose_session_cannot_be_read_is_a_503(world, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(world.chief)
    monkeypatch.setattr(SessionStore, "load", _raise(GONE))
    assert client.get("/work/").status_code == 503
    assert client.get("/api/v1/tickets/").status_code == 503


class FailingOnTheWayOut:
    """A middleware that loses the database after the view answered (as SessionMiddleware
    does when it cannot save the session)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request):  # type: ignore[no-untyped-def]
        self.get_response(request)
        raise GONE


def test_a_middleware_losing_the_database_is_a_503_not_a_500(world, settings):
    """The view's exception hook never sees what a middleware raises: the site's 500 handler
    answers 503 for it."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.web.test_unavailable.FailingOnTheWayOut"]
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/accounts/login/")
    assert page.status_code == 503 and "The desk is briefly unavailable" in page.content.decode()
    api = client.get("/api/v1/tickets/")
    assert api.status_code == 503 and api.json()["code"] == "unavailable"


def test_the_500_handler_answers_503_for_the_database_and_its_own_page_otherwise():
    request = RequestFactory().get("/work/")
    api_request = RequestFactory().get("/api/v1/tickets/")
    try:
        raise GONE
    except OperationalError:
        assert sys.exc_info()[1] is GONE
        assert server_error(request).status_code == 503
        assert server_error(api_request).status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        page = server_error(request)
        api = server_error(api_request)
    assert page.status_code == 500 and "Traceback" not in page.content.decode()
    assert "/static/web/app.css" in page.content.decode()
    assert api.status_code == 500 and api.headers["Content-Type"] == "application/json"


def test_what_counts_as_the_database_being_away():
    assert is_database_unavailable(GONE)
    assert is_database_unavailable(psycopg.InterfaceError("closed"))
    wrapped = RuntimeError("while rendering")
    wrapped.__cause__ = GONE
    assert is_database_unavailable(wrapped)
    assert not is_database_unavailable(ValueError("a bug"))
    assert not is_database_unavailable(None)
