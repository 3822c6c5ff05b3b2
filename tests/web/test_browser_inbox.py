"""Browser test: notifications read as sentences, in the language the reader toggles to,
on a desktop and on a 390 px phone (never a raw code such as "rating_reviewed")."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD
from tickets import services

from .test_browser import CHROMIUM, TIMEOUT_MS, browser, clock, shot  # noqa: F401  fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "name"), [(1100, "desktop"), (390, "phone")])
def test_the_inbox_speaks_the_readers_language(world, browser, live_server, new_ticket, width, name):  # noqa: F811
    ticket = new_ticket()  # the chief (its assignee) is told
    services.ticket_reply(ticket_id=ticket.pk, actor=world.company, body="补充材料已上传")
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=width < 500, locale="en-US")
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(live_server.url + reverse("login"))
        page.get_by_label("Username").fill(world.chief.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto(live_server.url + reverse("inbox"))
        text = page.locator("main").inner_text()
        assert f"New ticket {ticket.number}" in text
        assert f"New reply on ticket {ticket.number}" in text and "补充材料已上传" in text
        assert "replied" in text and "_" not in text.replace(ticket.number, "")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot(page, f"inbox-en-{name}")
        # the toggle: the same rows, now in Chinese
        page.get_by_role("button", name="中文").click()
        page.wait_for_load_state()
        text = page.locator("main").inner_text()
        assert f"新工单 {ticket.number}" in text and f"工单 {ticket.number} 有新回复" in text
        assert "New ticket" not in text
        shot(page, f"inbox-zh-{name}")
    finally:
        context.close()
