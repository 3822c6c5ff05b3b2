"""The web shell: sign-in (with CSRF), the home redirect by role, the language switch, the nav."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders_in_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="zh-CN"' in body
    assert "登录" in body
    assert "csrfmiddlewaretoken" in body


def test_login_page_in_english_after_the_switch(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    body = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in body
    assert "Sign in" in body


def test_login_refuses_a_post_without_csrf_token():
    UserFactory(username="ann", enterprise=EnterpriseFactory())
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "ann", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_login_then_home_sends_each_role_somewhere(client):
    user = UserFactory(username="ann", enterprise=EnterpriseFactory())
    response = client.post(reverse("login"), {"username": "ann", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    home = client.get(reverse("home"))
    # Either the role's start page or, until that page exists, the plain home page.
    assert home.status_code in {200, 302}


def test_bad_password_shows_an_error_next_to_the_form(client):
    UserFactory(username="ann", enterprise=EnterpriseFactory())
    response = client.post(reverse("login"), {"username": "ann", "password": "wrong"})
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()


def test_home_requires_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_is_a_post(client):
    user = UserFactory(username="ann", enterprise=EnterpriseFactory())
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("path", "current"),
    [("/work/", "/work/"), ("/work/file/", "/work/file/"), ("/work/visits/new/", "/work/visits/")],
)
def test_the_nav_marks_only_the_pages_own_item(client, path, current):
    """/work/file/ starts with /work/ too: only the longest matching link is the current one."""
    officer = UserFactory(role="officer")
    client.force_login(officer)
    html = client.get(path).content.decode()
    marked = re.findall(r'<a href="([^"]+)" aria-current="page"', html)
    assert marked == [current]


def test_a_wrong_password_says_only_the_password_is_case_sensitive(world):  # type: ignore[no-untyped-def]

    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    body = english.post(reverse("login"), {"username": world.chief.username, "password": "nope"}).content.decode()
    assert "Wrong username or password. Note that the password is case-sensitive." in body
    assert "fields may be case-sensitive" not in body
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = chinese.post(
        reverse("login"), {"username": world.chief.username.upper(), "password": "nope"}
    ).content.decode()
    assert "用户名或密码错误。请注意密码区分大小写。" in body
