"""The hotspots page: access, scope, the themes as the API counts them, the chart, the
links, the period and park pickers, the downloads, Chinese, bad parameters."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import ServiceItemFactory
from tests.triage.test_hotspots import HOSTILE_ITEM, at, hostile, make, tickets  # noqa: F401  fixtures

pytestmark = pytest.mark.django_db

OCTOBER = {"period": "month", "month": "2026-10"}  # the previous period: September


def page(client: Client, **params: str):  # type: ignore[no-untyped-def]
    return client.get(reverse("reports-hotspots"), {**OCTOBER, **params})


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-theme="\d+:([^"]+)">', html)


def test_a_park_manager_reads_the_themes_of_their_park(world, tickets, web_as) -> None:  # noqa: F811
    response = page(web_as(world.park_manager))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Hotspots" in html
    # park A in October: 停电 p1 p2 p3 and the one of 10-20; September: two
    assert rows(html) == ["停电", "跳闸", "漏水"]
    outage = html[html.index(f'data-theme="{world.item.pk}:停电"') :].split("</tr>")[0]
    assert '<td class="num">2</td>' in outage  # the previous period
    assert "+2 (+100%)" in outage
    for key in ("after", "p3", "p2"):  # the newest three, linked to their pages
        number = tickets[key].number
        assert f'<a href="{reverse("ticket-page", args=[number])}">{number}</a>' in outage
    assert "/work/?tab=all&amp;q=%E5%81%9C%E7%94%B5" in outage  # the queue, searched for 停电
    # the chart: server-drawn SVG, one bar per theme, no inline script or style
    assert html.count('<rect class="bar"') == 3
    assert "<script>" not in html and "style=" not in html
    # the period picker and the downloads keep the period
    assert 'href="?period=week&amp;week=2026-W40"' in html
    assert "?period=month&amp;month=2026-10&amp;format=csv" in html
    assert "?period=month&amp;month=2026-09" in html  # the previous month
    assert 'name="park"' not in html  # a park manager has one park


def test_the_zone_picks_a_park(world, tickets, web_as) -> None:  # noqa: F811
    client = web_as(world.zone_manager)
    html = page(client).content.decode()
    assert 'name="park"' in html and f'<option value="{world.other_park.pk}"' in html
    assert rows(html)[0] == "停电"
    park_b = page(client, park=str(world.other_park.pk)).content.decode()
    assert rows(park_b) == ["停电"]
    assert f'<option value="{world.other_park.pk}" selected>' in park_b


def test_another_park_finds_nothing_for_a_park_manager(world, tickets, web_as) -> None:  # noqa: F811
    html = page(web_as(world.park_manager), park=str(world.other_park.pk)).content.decode()
    assert rows(html) == []
    assert "No theme in this period" in html


@pytest.mark.parametrize("who", ["chief", "company"])
def test_officers_and_enterprises_are_refused(world, web_as, who) -> None:  # type: ignore[no-untyped-def]
    client = web_as(getattr(world, who))
    assert page(client).status_code == 403
    assert page(client, format="csv").status_code == 403


def test_anonymous_goes_to_sign_in(world) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(reverse("reports-hotspots"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "params",
    [
        {"period": "year"},
        {"period": "month", "month": "1900-01"},
        {"period": "week", "week": "9999-W01"},
        {"park": "x"},
        {"limit": "500"},
        {"format": "pdf"},
    ],
)
def test_bad_parameters_are_a_400_page(world, web_as, params) -> None:  # type: ignore[no-untyped-def]
    response = web_as(world.zone_manager).get(reverse("reports-hotspots"), params)
    assert response.status_code == 400


def test_chinese(world, tickets) -> None:  # noqa: F811
    client = Client()
    client.force_login(world.park_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = page(client).content.decode()
    assert '<html lang="zh-CN">' in html
    for words in ("热点主题", "工单数", "上期", "增减", "典型工单", "本期"):
        assert words in html


def test_downloads_for_people_are_formula_safe(world, hostile, web_as) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client = web_as(world.zone_manager)
    response = page(client, format="csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:5] == ["Rank", "Theme", "Service item", "Keywords", "Tickets"]
    cells = [cell for row in table for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]
    assert "'" + HOSTILE_ITEM in cells

    response = page(client, format="xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    texts = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert texts[0].value.startswith("Hotspots · ")  # the title row: what, whose, which period
    assert all(cell.data_type == "s" for cell in texts)
    assert not [cell.value for cell in texts if cell.value.startswith(("=", "+", "@"))]
    assert "'" + HOSTILE_ITEM in [cell.value for cell in texts]


def test_query_count_does_not_grow_with_themes(world, tickets, web_as) -> None:  # noqa: F811
    client = web_as(world.zone_manager)
    page(client)  # warm: the session, the language
    with CaptureQueriesContext(connection) as few:
        assert len(rows(page(client).content.decode())) == 4
    for n in range(8):
        item = ServiceItemFactory(department=world.power_dept)
        for k in range(2):
            make(world, item, f"主题{n}词组", f"道路{k}破损", at(10, 10 + k))
    with CaptureQueriesContext(connection) as many:
        assert len(rows(page(client).content.decode())) == 10
    assert len(many.captured_queries) == len(few.captured_queries)
