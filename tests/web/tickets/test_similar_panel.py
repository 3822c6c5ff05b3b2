"""The ticket page shows staff the open tickets in their scope that say the same thing."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_staff_see_similar_open_tickets_enterprises_do_not(world, web_as, new_ticket):
    first = new_ticket(title="厂区污水管道堵塞", description="门口污水管道堵塞，积水严重")
    second = new_ticket(title="污水管道堵塞了", description="厂区门口污水管道堵塞，积水严重")
    other = new_ticket(title="车间停电", description="配电房跳闸")
    page = web_as(world.zone_manager).get(reverse("ticket-page", args=[second.number]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="similar"' in body and first.number in body and other.number not in body
    assert "% alike" in body
    company_page = web_as(world.company).get(reverse("ticket-page", args=[second.number])).content.decode()
    assert 'id="similar"' not in company_page
    # outside the manager's park: not shown
    body = web_as(world.other_park_manager).get(reverse("ticket-page", args=[second.number]))
    assert body.status_code == 404
