"""Browser test: an officer's open queue page shows a ticket filed through the API within
seconds, marked new, without a reload (htmx polling; nothing inline: the CSP holds)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from .test_browser import browser, clock, shot, signed_in  # noqa: F401  fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_ticket_filed_through_the_api_appears_in_the_open_queue(world, signed_in, live_server, file_ticket):  # noqa: F811
    earlier = file_ticket(title="已在队列")
    officer = signed_in(world.chief)
    assert officer.url.endswith(reverse("work-queue"))
    refused = []
    officer.on("console", lambda message: refused.append(message.text) if "Content Security" in message.text else None)
    officer.evaluate("window.stillTheSamePage = true")
    officer.locator(f'tr[data-number="{earlier["number"]}"] input[type=checkbox]').check()

    time.sleep(1.2)  # past the page's look-back (live.LAG): the filing below is news
    filed = file_ticket(title="刚刚提交")
    started = time.monotonic()
    row = officer.locator(f'tr[data-number="{filed["number"]}"]')
    row.wait_for(state="visible", timeout=8_000)
    seconds = time.monotonic() - started
    assert seconds < 6, seconds
    assert "unread" in (row.get_attribute("class") or "")
    assert row.get_by_text("New").is_visible()
    assert officer.evaluate("window.stillTheSamePage") is True  # no reload
    # the row ticked before the refresh is still ticked
    assert officer.locator(f'tr[data-number="{earlier["number"]}"] input[type=checkbox]').is_checked()
    assert "1 ticket new or changed" in officer.locator("#queue-live").inner_text()
    assert officer.locator('[data-tab="open"] .count').inner_text() == "2"  # the tabs' counts too
    assert refused == []
    shot(officer, "live-queue")
