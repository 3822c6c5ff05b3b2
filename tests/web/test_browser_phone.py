"""Browser tests at phone width (390×844): the officer's queue and the profile page work there,
in English and Chinese, and the page body never scrolls sideways (a wide table scrolls inside
its own frame)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

from .test_browser import CHROMIUM, TIMEOUT_MS, browser, clock, shot  # noqa: F401  fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= 390 + 1"


@pytest.fixture
def on_phone(browser, live_server):  # type: ignore[no-untyped-def]  # noqa: F811
    """on_phone(user, language) → a page on a 390 px phone, signed in through the login form."""
    contexts = []

    def make(user: Any, language: str = "en") -> Any:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + reverse("login"))
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield make
    for context in contexts:
        context.close()


def test_the_queue_on_a_phone_searches_sorts_and_fits(world, on_phone, new_ticket):
    # given two open tickets of the chief officer's
    wanted = new_ticket(title="冷却塔检修", description="冷却塔漏水，请派人检修")
    other = new_ticket(title="用电报装", description="新厂房需要接入电源")
    page = on_phone(world.chief)
    assert page.url.endswith(reverse("work-queue"))

    # then the tabs show and the page does not scroll sideways
    tabs = page.locator("nav.tabs a[data-tab]")
    assert tabs.count() >= 2
    for i in range(tabs.count()):
        assert tabs.nth(i).is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "phone-queue")

    # when a word of one ticket's description is searched, only that ticket is listed
    page.get_by_label("Search").fill("冷却塔")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert page.locator(f'tr[data-number="{wanted.number}"]').is_visible()
    assert page.locator(f'tr[data-number="{other.number}"]').count() == 0
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # when the list is sorted by a column, the header says so
    page.goto(page.url.split("?")[0])
    header = page.locator("th.col-number")
    header.locator("a[data-sort]").click()
    page.wait_for_load_state()
    assert page.locator("th[aria-sort]").count() == 1
    assert "sort=" in page.url
    numbers = page.locator("tr[data-number]").evaluate_all("rows => rows.map(r => r.dataset.number)")
    assert sorted(numbers) in (numbers, list(reversed(numbers)))
    assert set(numbers) == {wanted.number, other.number}
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize(
    ("language", "save_button", "switch_to", "then_heading"),
    [
        ("en", "Save the language", "zh-hans", "个人设置"),
        ("zh-hans", "保存语言", "en", "My profile"),
    ],
)
def test_the_profile_on_a_phone_fits_and_switches_the_language(
    world, on_phone, language, save_button, switch_to, then_heading
):
    page = on_phone(world.chief, language)
    page.goto(page.url.split("/work/")[0] + reverse("profile"))
    language_form = page.locator("form:has(input[name=section][value=language])")
    notification_form = page.locator("form:has(input[name=section][value=notifications])")
    for form in (language_form, notification_form):
        box = form.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, f"phone-profile-{language}")

    # when another language is saved, the page speaks it
    language_form.locator("select[name=language]").select_option(switch_to)
    language_form.get_by_role("button", name=save_button).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip() == then_heading
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
