"""Browser tests of the ticket page as a conversation: on a 390×844 phone the newest entry is in
the first screen and the page is far shorter than the stack of forms it replaced; on a desktop
the deadlines sit in a right-hand column; both languages, every role."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import PASSWORD
from tests.web.conftest import PNG
from tickets import services

from .test_browser import CHROMIUM, TIMEOUT_MS, browser, clock, shot  # noqa: F401  fixtures
from .test_browser_phone import PHONE, on_phone  # noqa: F401  fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: document.body.scrollHeight of the ticket below, as the chief officer saw it on a 390×844
#: phone when the page was a stack of action forms above an oldest-first timeline.
BEFORE_PX = 2777
NEWEST = "最新一条"


def busy_ticket(world: Any, new_ticket: Any) -> Any:
    """A ticket like the demo's: accepted, a few replies back and forth, a note, a file."""
    ticket = new_ticket(
        title="新厂房用电报装",
        description="新厂房需要接入 10kV 电源，预计下月投产，请尽快安排供电所现场勘查并告知所需材料。",
    )
    pk, chief, company = ticket.pk, world.chief, world.company
    services.ticket_accept(ticket_id=pk, actor=chief)
    services.ticket_reply(ticket_id=pk, actor=chief, body="已收到，已联系供电所，本周内安排现场勘查。")
    services.ticket_reply(ticket_id=pk, actor=company, body="好的，勘查时间请提前一天告知，我们安排电工陪同。")
    services.ticket_note(ticket_id=pk, actor=chief, body="供电所王工：周四上午可以去。")
    upload = SimpleUploadedFile("site.png", PNG, content_type="image/png")
    services.attachment_add(ticket_id=pk, actor=company, upload=upload)
    services.ticket_reply(ticket_id=pk, actor=chief, body="周四上午 9 点供电所王工到现场，请安排电工陪同。")
    services.ticket_reply(ticket_id=pk, actor=company, body=f"收到，周四上午有人在厂房门口等候。{NEWEST}。")
    return ticket


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_on_a_phone_the_newest_entry_is_in_the_first_screen(world, on_phone, new_ticket, live_server, language):  # noqa: F811
    # given a busy ticket the chief officer works, with every action an officer has
    ticket = busy_ticket(world, new_ticket)
    page = on_phone(world.chief, language)

    # when the officer opens it on a 390×844 phone
    page.goto(live_server.url + reverse("ticket-page", kwargs={"number": ticket.number}))
    shot(page, f"phone-ticket-{language}")

    # then the newest entry is the first of the conversation and shows without scrolling
    newest = page.locator("#conversation .timeline > li").first
    assert NEWEST in newest.inner_text()
    box = newest.bounding_box()
    assert box is not None and box["y"] < PHONE["height"] - 40, box
    # the deadlines come right under the header, before the conversation
    deadlines = page.locator("#deadlines").bounding_box()
    assert deadlines is not None and deadlines["y"] < box["y"]
    # and the page is far shorter than the stack of forms was, and never scrolls sideways
    height = page.evaluate("document.body.scrollHeight")
    assert height < BEFORE_PX * 2 / 3, height  # about 1,100 px less
    assert page.evaluate("document.documentElement.scrollWidth <= 390 + 1")


def test_the_reply_box_switches_to_an_internal_note_and_posts_it(world, on_phone, new_ticket, live_server):  # noqa: F811
    ticket = busy_ticket(world, new_ticket)
    page = on_phone(world.chief)
    page.goto(live_server.url + reverse("ticket-page", kwargs={"number": ticket.number}))
    # the public reply is the default
    assert page.locator("#action-reply").is_visible() and not page.locator("#action-note").is_visible()
    # when the officer picks "Internal note", writes and adds it
    page.locator("label[for=mode-note]").click()
    assert page.locator("#action-note").is_visible() and not page.locator("#action-reply").is_visible()
    page.locator("#action-note textarea").fill("只给同事看的备注")
    page.locator("#action-note").get_by_role("button", name="Add note").click()
    page.wait_for_load_state()
    # then it is the newest entry, marked internal
    newest = page.locator("#conversation .timeline > li").first
    assert "只给同事看的备注" in newest.inner_text() and "internal" in (newest.get_attribute("class") or "")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_on_a_desktop_the_deadlines_are_a_right_column(world, browser, live_server, new_ticket, language):  # noqa: F811
    ticket = busy_ticket(world, new_ticket)
    for user in (world.company, world.chief, world.park_manager):
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        context.set_default_timeout(TIMEOUT_MS)
        try:
            page = context.new_page()
            page.goto(live_server.url + reverse("login"))
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", PASSWORD)
            page.click("form:has(input[name=password]) button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            page.goto(live_server.url + reverse("ticket-page", kwargs={"number": ticket.number}))
            side = page.locator("#deadlines").bounding_box()
            main = page.locator("#conversation").bounding_box()
            assert side is not None and main is not None
            assert side["x"] > main["x"] + main["width"] - 1, user  # beside, not below
            assert side["y"] < 400, user
            newest = page.locator("#conversation .timeline > li").first.bounding_box()
            assert newest is not None and newest["y"] < 900, user
            # only the staff may write an internal note
            assert (page.locator("#mode-note").count() == 1) == (user != world.company), user
            shot(page, f"ticket-{user.role}-{language}")
            if user == world.chief:  # an action opens its form below the row of buttons
                transfer = page.locator("#action-transfer")
                transfer.locator(":scope > summary").click()
                assert transfer.locator("select").first.is_visible()
                shot(page, f"ticket-{user.role}-{language}-transfer")
        finally:
            context.close()
