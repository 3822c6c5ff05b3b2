"""Guides and tickets per service item: the tickets each item received in the period and
the deflections its guides earned, scoped as every report, with the counts linked to the
queue filtered to them."""

from __future__ import annotations

import datetime as dt

import pytest

from knowledge import articles
from reports.periods import period_containing
from reports.service_items import service_item_figures
from tests.factories import ServiceItemFactory
from tests.tickets import conftest as tickets_conftest

pytestmark = pytest.mark.django_db

clock = tickets_conftest.clock
world = tickets_conftest.world
file_ticket = tickets_conftest.file_ticket


def _deflect(world, user) -> None:  # type: ignore[no-untyped-def]
    guide = articles.article_create(
        actor=world.power_officer, title="用电报装怎么办", body="材料：营业执照。", service_item=world.item
    )
    articles.article_transition(actor=world.power_officer, article_id=guide.pk, action="publish")
    assert articles.deflection_record(actor=user, article_id=guide.pk)


def _month(world):  # type: ignore[no-untyped-def]
    from servicedesk import clock as desk_clock

    return period_containing("month", desk_clock.today_local())


def test_tickets_and_deflections_per_service_item(world, file_ticket):  # type: ignore[no-untyped-def]
    file_ticket()
    file_ticket(title="又一个报装")
    _deflect(world, world.company)
    quiet = ServiceItemFactory(code="quiet", department=world.service_dept)
    rows = service_item_figures(user=world.park_manager, period=_month(world))
    assert [(r.code, r.tickets, r.deflections) for r in rows] == [("power-connect", 2, 1)]
    assert rows[0].deflection_rate == pytest.approx(1 / 3)
    assert quiet.code not in {r.code for r in rows}  # an item with neither is left out


def test_a_park_manager_counts_only_their_park(world, file_ticket):  # type: ignore[no-untyped-def]
    file_ticket()
    _deflect(world, world.other_company)  # the other park's enterprise
    mine = service_item_figures(user=world.park_manager, period=_month(world))
    theirs = service_item_figures(user=world.other_park_manager, period=_month(world))
    assert [(r.tickets, r.deflections) for r in mine] == [(1, 0)]
    assert [(r.tickets, r.deflections) for r in theirs] == [(0, 1)]
    zone = service_item_figures(user=world.zone_manager, period=_month(world))
    assert [(r.tickets, r.deflections) for r in zone] == [(1, 1)]


def test_the_page_links_each_count_to_its_tickets(world, file_ticket, client):  # type: ignore[no-untyped-def]
    file_ticket()
    client.force_login(world.park_manager)
    page = client.get("/reports/service-items/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    month = _month(world)
    link = (
        f"/work/?tab=all&amp;service_item=power-connect&amp;filed_from={month.start:%Y-%m-%d}"
        f"&amp;filed_to={month.end:%Y-%m-%d}"
    )
    assert link in page
    queue = client.get(link.replace("&amp;", "&"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "From a report:" in queue and "用电报装" in queue
    later = client.get(
        f"/work/?tab=all&service_item=power-connect&filed_from={month.end + dt.timedelta(days=1):%Y-%m-%d}",
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "用电报装" not in later
    xlsx = client.get("/reports/service-items/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].endswith("spreadsheetml.sheet")


def test_the_api_and_who_may_read_it(world, file_ticket, api_as):  # type: ignore[no-untyped-def]
    file_ticket()
    body = api_as(world.park_manager).get("/api/v1/reports/service-items/", {"period": "month"}).json()
    assert body["results"][0]["service_item"] == "power-connect" and body["results"][0]["tickets"] == 1
    assert api_as(world.chief).get("/api/v1/reports/service-items/", {"period": "month"}).status_code == 403
    assert api_as(world.company).get("/api/v1/reports/service-items/", {"period": "month"}).status_code == 403
    csv = api_as(world.park_manager).get("/api/v1/reports/service-items/", {"period": "month", "format": "csv"})
    assert csv.status_code == 200 and b"power-connect" in b"".join(csv.streaming_content)
