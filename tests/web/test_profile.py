"""/profile/: each user's own page — language, password, notification settings — and the
language that follows a signed-in user; the grouped navigation."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from notifications.models import NotificationPreference, NotificationSettings
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["company", "chief", "park_manager", "admin"])
def test_every_role_has_a_profile_page(world, web_as, who):
    user = getattr(world, who)
    response = web_as(user).get(reverse("profile"))
    assert response.status_code == 200
    body = response.content.decode()
    for heading in ("My profile", "Language", "Password", "Notifications"):
        assert heading in body
    assert user.username in body


def test_the_profile_needs_sign_in(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_enterprise_chooses_only_among_the_kinds_it_is_told_about(world, web_as):
    company = web_as(world.company).get(reverse("profile")).content.decode()
    officer = web_as(world.chief).get(reverse("profile")).content.decode()
    assert 'name="replied__email"' in company and 'name="replied__email"' in officer
    assert 'name="supervised__sms"' not in company  # staff business
    assert 'name="supervised__sms"' in officer


def test_the_profile_links_to_the_password_change_page(world, web_as):
    body = web_as(world.company).get(reverse("profile")).content.decode()
    assert f'href="{reverse("password_change")}"' in body


def test_a_wrong_current_password_changes_nothing(world, web_as):
    client = web_as(world.company)
    data = {"old_password": "nope", "new_password1": "Ab3!long-enough-x", "new_password2": "Ab3!long-enough-x"}
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 200  # the form again, with its errors
    assert 'class="errors"' in response.content.decode()
    world.company.refresh_from_db()
    assert world.company.check_password(PASSWORD)


def test_the_password_changes_and_the_user_stays_signed_in(world, web_as):
    client = web_as(world.company)
    new = "Ab3!long-enough-x"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    world.company.refresh_from_db()
    assert world.company.check_password(new)
    assert client.get(reverse("password_change_done")).status_code == 200
    assert client.get(reverse("profile")).status_code == 200  # the session survived the change


def test_a_weak_new_password_is_refused(world, web_as):
    client = web_as(world.company)
    data = {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    assert client.post(reverse("password_change"), data).status_code == 200
    world.company.refresh_from_db()
    assert world.company.check_password(PASSWORD)


def test_the_password_change_page_needs_sign_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_profile_refuses_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.company)
    response = client.post(reverse("profile"), {"section": "language", "language": "en"})
    assert response.status_code == 403
    world.company.refresh_from_db()
    assert world.company.language == "zh-hans"


def _notification_data(**overrides: str) -> dict[str, str]:
    return {"section": "notifications", "quiet_start": "21:30", "quiet_end": "07:00", **overrides}


def test_notification_settings_are_saved_and_read_back_by_the_api(world, web_as):
    client = web_as(world.chief)
    data = _notification_data(daily_digest="on", replied__email="off", supervised__sms="on")
    assert client.post(reverse("profile"), data).status_code == 302
    prefs = NotificationSettings.objects.get(user=world.chief)
    assert (prefs.quiet_start, prefs.quiet_end, prefs.daily_digest) == (time(21, 30), time(7), True)
    chosen = {(p.event_kind, p.channel): p.enabled for p in NotificationPreference.objects.filter(user=world.chief)}
    assert chosen == {("replied", "email"): False, ("supervised", "sms"): True}
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    api = client.get("/api/v1/notifications/preferences/").json()
    assert api["quiet_start"] == "21:30" and api["daily_digest"] is True
    assert {"event_kind": "replied", "channel": "email", "enabled": False} in api["preferences"]
    # the page shows the choices made; "as standard" drops a choice again
    page = client.get(reverse("profile")).content.decode()
    assert re.search(r'name="replied__email"[^>]*>.*?<option value="off" selected>', page, re.S)
    assert client.post(reverse("profile"), _notification_data(replied__email="default")).status_code == 302
    assert not NotificationPreference.objects.filter(user=world.chief, event_kind="replied").exists()
    assert NotificationPreference.objects.filter(user=world.chief, event_kind="supervised").exists() is False


def test_bad_quiet_hours_change_nothing(world, web_as):
    client = web_as(world.chief)
    response = client.post(reverse("profile"), _notification_data(quiet_start="25:99", replied__email="off"))
    assert response.status_code == 400
    assert not NotificationSettings.objects.filter(user=world.chief).exists()
    assert not NotificationPreference.objects.filter(user=world.chief).exists()


def test_the_language_chosen_on_the_profile_is_stored_and_used(world, web_as):
    client = web_as(world.company)
    response = client.post(reverse("profile"), {"section": "language", "language": "en"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    world.company.refresh_from_db()
    assert world.company.language == "en"


def test_a_stored_choice_follows_the_user_to_a_new_device(world):
    world.company.language = "en"
    world.company.save(update_fields=["language"])
    device = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")  # a browser in Chinese, no language cookie yet
    device.force_login(world.company)
    response = device.get(reverse("profile"))
    assert 'lang="en"' in response.content.decode()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_without_a_choice_the_browser_decides(world):
    browser = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    browser.force_login(world.company)  # language: the zone's default, never chosen
    assert 'lang="en"' in browser.get(reverse("profile")).content.decode()


def test_the_language_switch_stores_the_choice_of_a_signed_in_user(world):
    client = Client()
    client.force_login(world.chief)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    world.chief.refresh_from_db()
    assert world.chief.language == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    world.chief.refresh_from_db()
    assert world.chief.language == "zh-hans"


def test_the_api_follows_accept_language_not_the_stored_choice(world):
    world.company.language = "en"
    world.company.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(world.company)
    response = client.get("/api/v1/tickets/0/")
    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert response["Content-Language"] == "zh-hans"


# --- the navigation ----------------------------------------------------------------------------


def _nav(html: str) -> str:
    return html[html.index("<nav") : html.index("</nav>")]


def test_the_officer_reaches_assists_and_own_extension_requests_from_the_nav(world, web_as):
    nav = _nav(web_as(world.chief).get(reverse("work-queue")).content.decode())
    for name in ("work-queue", "work-file", "work-assists", "work-extensions", "work-supervision", "work-visits"):
        assert f'href="{reverse(name)}"' in nav, name
    assert "My extension requests" in nav and "<summary" in nav
    assert "reports-dispatch" not in nav and reverse("reports-dispatch") not in nav


def test_the_manager_nav_groups_work_and_reports(world, web_as):
    nav = _nav(web_as(world.park_manager).get(reverse("reports-ranking")).content.decode())
    summaries = re.findall(r"<summary([^>]*)>([^<]+)</summary>", nav)
    assert [label for _attrs, label in summaries] == ["Work", "Reports"]
    assert {label: attrs for attrs, label in summaries}["Reports"] == ' class="current"'
    assert f'<a href="{reverse("reports-ranking")}" aria-current="page">' in nav


def test_the_enterprise_nav_has_no_groups(world, web_as):
    nav = _nav(web_as(world.company).get(reverse("portal-home")).content.decode())
    assert "<summary" not in nav
    assert f'href="{reverse("portal-new")}"' in nav


def test_the_name_in_the_top_bar_opens_the_profile(world, web_as):
    body = web_as(world.company).get(reverse("portal-home")).content.decode()
    assert f'<a class="who" href="{reverse("profile")}"' in body
