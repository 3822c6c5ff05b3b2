"""The web's 403 and 404 pages: the site's layout (navigation kept), the reason the view gave,
a link home, Chinese by default; under /api/ the answers stay JSON."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from web.errors import page_not_found, permission_denied

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_mode(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False  # Django shows its technical pages instead when DEBUG is on


def test_a_404_keeps_the_layout_and_the_navigation_in_chinese(world, chinese_as):
    response = chinese_as(world.chief).get("/no/such/page/")
    assert response.status_code == 404
    assert response.headers["Content-Language"] == "zh-hans"
    body = response.content.decode()
    assert 'lang="zh-CN"' in body
    assert "园区企业服务平台" in body  # the layout's brand
    assert f'href="{reverse("work-queue")}">我的待办</a>' in body  # the officer's navigation
    assert f'href="{reverse("home")}"' in body
    assert 'class="errors"' not in body  # the resolver's detail is not a reason to show


def test_a_404_shows_the_views_reason_in_the_pages_language(world, chinese_as, web_as):
    path = reverse("ticket-page", kwargs={"number": "SD-1999-000001"})
    chinese = chinese_as(world.company).get(path)
    assert chinese.status_code == 404
    assert "没有这张工单。" in chinese.content.decode()
    english = web_as(world.company).get(path)
    assert english.status_code == 404
    body = english.content.decode()
    assert 'lang="en"' in body and "Page not found" in body and "No such ticket." in body
    assert f'href="{reverse("portal-home")}">My tickets</a>' in body


def test_a_404_for_a_visitor_has_the_layout_without_navigation(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "园区企业服务平台" in body and "<nav" not in body


def test_a_403_keeps_the_layout_and_shows_the_reason(world, chinese_as, web_as):
    chinese = chinese_as(world.company).get(reverse("work-file"))
    assert chinese.status_code == 403
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert 'lang="zh-CN"' in chinese.content.decode() and "园区企业服务平台" in chinese.content.decode()
    english = web_as(world.company).get(reverse("work-file"))
    body = english.content.decode()
    assert english.status_code == 403
    assert "You may not open this page" in body
    assert '<div class="errors" role="alert"><p>Only officers and managers file tickets' in body
    assert f'href="{reverse("portal-home")}">My tickets</a>' in body
    assert f'href="{reverse("home")}">Back to the home page</a>' in body


def test_a_bare_403_has_no_reason_box(world, web_as):
    response = web_as(world.chief).get(reverse("portal-home"))  # the portal is the enterprises'
    assert response.status_code == 403
    body = response.content.decode()
    assert "You may not open this page" in body and 'class="errors"' not in body


def test_the_ticket_pages_own_refusal_is_unchanged(world, web_as, new_ticket):
    ticket = new_ticket()
    action = reverse("ticket-action", kwargs={"number": ticket.number, "action": "accept"})
    response = web_as(world.company).post(action)
    assert response.status_code == 403
    assert "You may not do this on this ticket." in response.content.decode()  # the page, not the 403 page


def test_api_404s_and_403s_stay_json(world, api_as):
    client = api_as(world.company)
    for path in ("/api/v1/no-such-endpoint/", "/api/nothing", "/api/v1/tickets/999999/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), path
        assert "detail" in response.json()
    refused = client.post("/api/v1/users/", {"username": "x", "password": "y", "role": "officer"}, format="json")
    assert refused.status_code == 403 and refused["Content-Type"].startswith("application/json")


def test_the_handlers_answer_json_under_api():
    request = RequestFactory().get("/api/v1/anything/")
    not_found = page_not_found(request, Exception())
    assert not_found.status_code == 404 and not_found["Content-Type"] == "application/json"
    denied = permission_denied(request, Exception("secret reason"))
    assert denied.status_code == 403 and denied["Content-Type"] == "application/json"
    assert b"secret reason" not in denied.content


# --- what `make run` shows a newcomer: the site's pages, never Django's technical ones ----------


def _too_big() -> bytes:
    return b'{"username": "' + b"x" * (3 * 1024 * 1024) + b'"}'


def test_an_oversized_body_under_api_is_a_json_413(client):
    response = client.post("/api/v1/auth/token/", _too_big(), content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "2 MB" in response.json()["detail"]


def test_an_oversized_form_on_the_web_is_the_sites_413_page(client):
    response = client.post("/accounts/login/", {"username": "x" * (3 * 1024 * 1024), "password": "p"})
    assert response.status_code == 413
    body = response.content.decode()
    assert 'class="topbar"' in body and "2 MB" in body
    assert "SECRET_KEY" not in body and "Traceback" not in body


def test_make_run_serves_with_debug_off(monkeypatch):
    from scripts import stack

    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    assert stack.run_env()["DJANGO_DEBUG"] == "0"
    monkeypatch.setenv("DJANGO_DEBUG", "1")  # an operator who asks for the debug pages gets them
    assert stack.run_env()["DJANGO_DEBUG"] == "1"


def test_static_files_are_served_with_debug_off_outside_production(client):
    response = client.get("/static/web/app.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content if response.streaming else [response.content])
