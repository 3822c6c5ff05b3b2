"""Accounts: API tokens expire and their owner lists and revokes them; every user changes their
own password (web and API) and resets a forgotten one by e-mail, rate-limited and without
telling whether an address is known."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from servicedesk import services
from servicedesk.models import ApiToken
from tests.factories import PASSWORD, AdminFactory, EnterpriseUserFactory, OfficerFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
LOGOUT_URL = "/api/v1/auth/logout/"
PASSWORD_URL = "/api/v1/auth/password/"
ME = "/api/v1/users/me/"
NEW_PASSWORD = "a-long-and-unusual-passphrase"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _client(key: str, language: str = "en") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def _sign_in(username: str, password: str = PASSWORD, **extra: str) -> dict[str, str]:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


# --- expiry ------------------------------------------------------------------------------


def test_a_token_says_when_it_expires_and_is_refused_from_then_on(settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    user = OfficerFactory()
    with time_machine.travel(T0, tick=False) as traveller:
        # given a token issued now
        body = _sign_in(user.username)
        # then it says it lasts thirty days
        assert dt.datetime.fromisoformat(body["expires"]) == T0 + dt.timedelta(days=30)
        client = _client(body["token"])
        # and it works until the last moment
        traveller.move_to(T0 + dt.timedelta(days=30) - dt.timedelta(seconds=1))
        assert client.get(ME).status_code == 200
        # when its time is up
        traveller.move_to(T0 + dt.timedelta(days=30))
        response = client.get(ME)
        # then it is refused, saying why
        assert response.status_code == 401
        assert response.json()["detail"] == "Token has expired."
        assert _client(body["token"], "zh-hans").get(ME).json()["detail"] == "令牌已过期。"


def test_an_expired_token_goes_when_its_owner_signs_in_again():
    user = OfficerFactory()
    with time_machine.travel(T0, tick=False) as traveller:
        old = _sign_in(user.username)["token"]
        traveller.shift(dt.timedelta(days=31))
        new = _sign_in(user.username)["token"]
        assert ApiToken.objects.filter(user=user).count() == 1
        assert _client(new).get(ME).status_code == 200
        assert _client(old).get(ME).json()["detail"] == "Invalid token."


def test_the_key_itself_is_not_stored():
    user = OfficerFactory()
    key = _sign_in(user.username)["token"]
    token = ApiToken.objects.get(user=user)
    assert key not in {token.digest, token.prefix, token.name}
    assert token.prefix == key[: ApiToken.PREFIX_LENGTH]


def _writes(client: APIClient) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME).status_code == 200
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]


def test_last_used_is_written_at_most_once_a_minute():
    user = OfficerFactory()
    with time_machine.travel(T0, tick=False) as traveller:
        client = _client(_sign_in(user.username)["token"])
        traveller.shift(dt.timedelta(seconds=30))
        assert _writes(client) == []  # issued half a minute ago: no write
        assert ApiToken.objects.get(user=user).last_used_at == T0
        traveller.shift(dt.timedelta(seconds=31))
        assert len(_writes(client)) == 1
        assert ApiToken.objects.get(user=user).last_used_at == T0 + dt.timedelta(seconds=61)
        assert _writes(client) == []


def test_a_deactivated_users_tokens_stop_working():
    user = OfficerFactory()
    client = _client(_sign_in(user.username)["token"])
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(ME).status_code == 401


# --- list and revoke ---------------------------------------------------------------------


def test_the_list_shows_the_callers_own_tokens_without_their_keys():
    # given two users with tokens on two devices each
    me, other = OfficerFactory(), OfficerFactory()
    phone = _sign_in(me.username, name="phone")["token"]
    laptop = _sign_in(me.username, name="laptop")["token"]
    _sign_in(other.username, name="theirs")
    # when one lists their tokens with one of them
    response = _client(laptop).get(TOKENS_URL)
    # then they see their own two, the current one marked, and no key
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["name"], r["current"]) for r in rows] == [("laptop", True), ("phone", False)]
    assert {r["prefix"] for r in rows} == {phone[:8], laptop[:8]}
    assert phone not in response.content.decode() and laptop not in response.content.decode()
    assert set(rows[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"}


def test_the_owner_revokes_one_token_and_the_others_keep_working():
    me = OfficerFactory()
    phone = _sign_in(me.username, name="phone")["token"]
    laptop = _sign_in(me.username, name="laptop")["token"]
    client = _client(laptop)
    phone_id = ApiToken.objects.get(name="phone").pk
    assert client.delete(f"{TOKENS_URL}{phone_id}/").status_code == 204
    assert _client(phone).get(ME).status_code == 401
    assert client.get(ME).status_code == 200


def test_anothers_token_is_404_like_a_missing_one_and_stays():
    me, other = OfficerFactory(), EnterpriseUserFactory()
    mine = _client(_sign_in(me.username)["token"])
    theirs_key = _sign_in(other.username)["token"]
    theirs = ApiToken.objects.get(user=other).pk
    hidden = mine.delete(f"{TOKENS_URL}{theirs}/")
    missing = mine.delete(f"{TOKENS_URL}987654321/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert _client(theirs_key).get(ME).status_code == 200


def test_logout_revokes_the_current_token_only():
    me = OfficerFactory()
    phone = _sign_in(me.username)["token"]
    laptop = _sign_in(me.username)["token"]
    assert _client(laptop).post(LOGOUT_URL).status_code == 204
    assert _client(laptop).get(ME).status_code == 401
    assert _client(phone).get(ME).status_code == 200


def test_logout_over_a_session_ends_the_session(client):
    me = OfficerFactory()
    client.force_login(me)
    assert client.post(LOGOUT_URL).status_code == 204
    assert client.get(ME).status_code in (401, 403)


def test_tokens_need_a_signed_in_caller():
    anonymous = APIClient()
    assert anonymous.get(TOKENS_URL).status_code == 401
    assert anonymous.post(LOGOUT_URL).status_code == 401
    assert anonymous.post(PASSWORD_URL, {"old_password": "x", "new_password": "y"}).status_code == 401


# --- password change over the API --------------------------------------------------------


def test_the_api_changes_the_password_and_revokes_the_other_tokens():
    me = EnterpriseUserFactory()
    phone = _sign_in(me.username)["token"]
    laptop = _sign_in(me.username)["token"]
    client = _client(laptop)
    response = client.post(PASSWORD_URL, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 204, response.content
    me.refresh_from_db()
    assert me.check_password(NEW_PASSWORD)
    assert client.get(ME).status_code == 200  # the token the change was made with
    assert _client(phone).get(ME).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"old_password": "wrong", "new_password": NEW_PASSWORD}, "old_password"),
        ({"old_password": PASSWORD, "new_password": "123"}, "new_password"),
        ({"old_password": PASSWORD, "new_password": "password"}, "new_password"),
        ({"old_password": PASSWORD}, "new_password"),
    ],
    ids=["wrong old password", "too short", "too common", "missing"],
)
def test_the_api_refuses_a_wrong_old_or_a_weak_new_password_with_400(body, field):
    me = OfficerFactory()
    other = _sign_in(me.username)["token"]
    client = _client(_sign_in(me.username)["token"])
    response = client.post(PASSWORD_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()[field]
    me.refresh_from_db()
    assert me.check_password(PASSWORD)
    assert _client(other).get(ME).status_code == 200  # nothing revoked


def test_a_password_changed_elsewhere_revokes_every_token():
    me = OfficerFactory()
    key = _sign_in(me.username)["token"]
    services.user_password_change(user=me, old_password=PASSWORD, new_password=NEW_PASSWORD)
    assert _client(key).get(ME).status_code == 401


# --- password change on the web ----------------------------------------------------------


def test_a_password_changed_on_the_web_revokes_every_token(client):
    me = EnterpriseUserFactory()
    key = _sign_in(me.username)["token"]
    client.force_login(me)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert client.post(reverse("password_change"), data).status_code == 302
    assert _client(key).get(ME).status_code == 401
    assert client.get(reverse("profile")).status_code == 200


def test_a_wrong_old_password_on_the_web_keeps_the_tokens(client):
    me = EnterpriseUserFactory()
    key = _sign_in(me.username)["token"]
    client.force_login(me)
    data = {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = client.post(reverse("password_change"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert _client(key).get(ME).status_code == 200


# --- password reset by e-mail ------------------------------------------------------------


def _reset(client: Client, email: str, address: str = "203.0.113.9") -> HttpResponse:
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)  # type: ignore[no-any-return]


def _link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://\S+?(/accounts/password/reset/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_the_login_page_links_to_the_reset(client):
    assert f'href="{reverse("password_reset")}"' in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("en", "Reset your password", "The link works once"),
        ("zh-hans", "重置您在园区企业服务平台的密码", "链接只能使用一次"),
    ],
)
def test_a_reset_mail_in_the_users_language_sets_a_new_password_and_revokes_the_tokens(
    client, settings, language, subject, body
):
    settings.SERVICEDESK_BASE_URL = "https://desk.example.cn"
    me = OfficerFactory(email="wang@example.cn", language=language)
    key = _sign_in(me.username)["token"]
    # when they ask for a reset (the address in another case than stored)
    response = _reset(client, "WANG@example.cn")
    # then the page says a link is on its way, and the mail has it, in their language
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == ["wang@example.cn"]
    assert subject in message.subject and body in message.body
    assert "https://desk.example.cn/accounts/password/reset/" in message.body
    # when they follow the link and choose a new password
    confirm = client.get(_link(message), follow=True)
    assert confirm.status_code == 200 and 'name="new_password1"' in confirm.content.decode()
    done = client.post(confirm.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then it is set, and the tokens of the old password stop working
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    me.refresh_from_db()
    assert me.check_password(NEW_PASSWORD)
    assert _client(key).get(ME).status_code == 401
    # and the link works once
    assert "new_password1" not in client.get(_link(message), follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    OfficerFactory(email="known@example.cn")
    known = _reset(Client(), "known@example.cn", "203.0.113.10")
    unknown = _reset(Client(), "nobody@example.cn", "203.0.113.11")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["known@example.cn"]]
    done = client.get(reverse("password_reset_done")).content.decode()
    assert "known" not in done and "nobody" not in done


def test_an_inactive_user_gets_no_mail():
    OfficerFactory(email="gone@example.cn", is_active=False)
    assert _reset(Client(), "gone@example.cn").status_code == 302
    assert mail.outbox == []


def test_resets_for_one_address_are_limited_and_answer_the_same(settings, caplog):
    settings.PASSWORD_RESET_RATE_PER_EMAIL = 3
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = 100
    OfficerFactory(email="target@example.cn")
    with time_machine.travel(T0, tick=False) as traveller:
        # given three resets for one e-mail address, each from another client address
        answers = [_reset(Client(), "target@example.cn", f"198.51.100.{n}") for n in range(5)]
        # then the fourth and fifth answer as the first, but send nothing, and say so in the log
        assert {(a.status_code, a["Location"]) for a in answers} == {(302, reverse("password_reset_done"))}
        assert len(mail.outbox) == 3
        assert "over the limit for this e-mail address" in caplog.text
        assert "target@example.cn" not in caplog.text
        # and in the next window the address may ask again
        traveller.shift(dt.timedelta(seconds=settings.PASSWORD_RESET_RATE_WINDOW))
        _reset(Client(), "target@example.cn")
        assert len(mail.outbox) == 4


def test_resets_from_one_client_address_are_limited_whatever_the_email(settings, caplog):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = 5
    for n in range(7):
        OfficerFactory(email=f"user{n}@example.cn")
    with time_machine.travel(T0, tick=False):
        # given one client asking for seven accounts (known or not)
        for n in range(7):
            assert _reset(Client(), f"user{n}@example.cn", "192.0.2.1").status_code == 302
        # then five mails go, and the rest are logged, not sent
        assert len(mail.outbox) == 5
        assert "over the limit for this client address" in caplog.text
        # while another client is not held up by it
        _reset(Client(), "user6@example.cn", "192.0.2.2")
        assert len(mail.outbox) == 6


def test_unknown_addresses_count_towards_the_client_limit(settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = 2
    OfficerFactory(email="real@example.cn")
    with time_machine.travel(T0, tick=False):
        _reset(Client(), "guess1@example.cn", "192.0.2.3")
        _reset(Client(), "guess2@example.cn", "192.0.2.3")
        _reset(Client(), "real@example.cn", "192.0.2.3")
    assert mail.outbox == []


def test_a_password_set_in_the_admin_revokes_the_users_tokens(client):
    me = OfficerFactory()
    key = _sign_in(me.username)["token"]
    client.force_login(AdminFactory())
    url = reverse("admin:auth_user_password_change", args=[me.pk])
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    me.refresh_from_db()
    assert me.check_password(NEW_PASSWORD)
    assert _client(key).get(ME).status_code == 401


@pytest.mark.parametrize("raw", ["0", "99999999999999999999999999", "١", "-1", "1e3", "abc"])
def test_a_malformed_token_id_is_a_json_404(raw):
    client = _client(_sign_in(OfficerFactory().username)["token"])
    response = client.delete(f"{TOKENS_URL}{raw}/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_past_the_cap_a_new_token_replaces_the_least_recently_used(settings):
    settings.API_TOKEN_MAX_PER_USER = 3
    me = OfficerFactory()
    with time_machine.travel(T0, tick=False) as traveller:
        keys = []
        for _ in range(3):
            keys.append(_sign_in(me.username)["token"])
            traveller.shift(dt.timedelta(minutes=2))
        assert _client(keys[0]).get(ME).status_code == 200  # the oldest is now the most recently used
        traveller.shift(dt.timedelta(minutes=2))
        keys.append(_sign_in(me.username)["token"])
        assert ApiToken.objects.filter(user=me).count() == 3
        assert _client(keys[1]).get(ME).status_code == 401
        assert all(_client(key).get(ME).status_code == 200 for key in (keys[0], keys[2], keys[3]))
