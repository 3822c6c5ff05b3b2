"""Similar open tickets: scored by the likeness of their words (jieba words, compared by
pg_trgm's measure, in Python on every database), scoped like every read, and quiet on empty
or one-character text."""

from __future__ import annotations

import pytest

from triage.similar import SAME_ITEM_BONUS, SAME_PARK_BONUS, similar_open_tickets, trigram_similarity

pytestmark = pytest.mark.django_db

DRAIN = {"title": "厂区污水管道堵塞", "description": "雨后门口污水管道堵塞，积水严重，请尽快疏通"}


@pytest.fixture
def filed(world, api_as, file_ticket):  # type: ignore[no-untyped-def]
    drain = file_ticket(**DRAIN)
    power = file_ticket(title="车间停电", description="配电房跳闸，生产线停工")
    return {"drain": drain["id"], "power": power["id"]}


def _similar(client, **body) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    response = client.post("/api/v1/tickets/similar/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_trigram_similarity_is_pg_trgm_s_measure():
    assert trigram_similarity("污水管道", "污水管道") == 1.0
    assert trigram_similarity("污水管道", "") == 0.0
    assert 0 < trigram_similarity("污水管道堵塞严重", "厂区污水管道堵塞了") < 1
    # pg_trgm: similarity('污水管道堵塞严重','厂区污水管道堵塞了') = 0.26666668
    assert round(trigram_similarity("污水管道堵塞严重", "厂区污水管道堵塞了"), 4) == 0.2667


def test_a_draft_finds_the_open_ticket_that_says_the_same_thing(world, api_as, filed):
    found = _similar(api_as(world.company), title="污水管道堵塞了", description="门口污水管道又堵塞，积水严重")
    assert [row["id"] for row in found] == [filed["drain"]]
    row = found[0]
    assert set(row) == {"id", "number", "title", "status", "similarity"}
    assert 0.3 <= row["similarity"] <= 1 and row["status"] == "submitted"


def test_unrelated_text_and_empty_text_find_nothing(world, api_as, filed):
    company = api_as(world.company)
    assert _similar(company, title="施工许可咨询", description="二期工程手续") == []
    assert _similar(company, title="", description="") == []
    assert _similar(company, title="污") == []
    assert _similar(company) == []
    assert company.post("/api/v1/tickets/similar/", {"title": "x" * 201}, format="json").status_code == 400


def test_closed_tickets_are_not_shown(world, api_as, filed):
    from tickets.models import Status, Ticket

    Ticket.objects.filter(pk=filed["drain"]).update(status=Status.CLOSED)
    assert _similar(api_as(world.company), **DRAIN) == []


def test_scoped_like_every_read(world, api_as, filed):
    assert _similar(api_as(world.other_company), **DRAIN) == []
    assert _similar(api_as(world.other_park_manager), **DRAIN) == []
    assert [r["id"] for r in _similar(api_as(world.park_manager), **DRAIN)] == [filed["drain"]]


def test_a_ticket_s_similar_tickets_exclude_itself_and_404_outside_scope(world, api_as, file_ticket, filed):
    twin = file_ticket(title="污水管道堵塞", description="厂区门口污水管道堵塞，积水严重")
    zone = api_as(world.zone_manager)
    response = zone.get(f"/api/v1/tickets/{twin['id']}/similar/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [filed["drain"]]
    assert api_as(world.other_company).get(f"/api/v1/tickets/{twin['id']}/similar/").status_code == 404
    assert api_as(world.other_park_manager).get(f"/api/v1/tickets/{twin['id']}/similar/").status_code == 404
    assert zone.get("/api/v1/tickets/999999/similar/").status_code == 404
    assert zone.get("/api/v1/tickets/abc/similar/").status_code == 404


def test_the_same_service_item_and_park_count_for_a_little(world):
    common = {"title": "污水管道堵塞", "description": "门口污水管道堵塞"}
    from tickets.services import ticket_create

    ticket = ticket_create(actor=world.company, kind="help", service_item=world.item, **DRAIN)
    plain = similar_open_tickets(world.zone_manager, **common)
    boosted = similar_open_tickets(world.zone_manager, **common, service_item_id=world.item.pk, park_id=world.park.pk)
    assert plain[0].id == boosted[0].id == ticket.pk
    assert boosted[0].similarity == pytest.approx(
        min(1.0, plain[0].similarity + SAME_ITEM_BONUS + SAME_PARK_BONUS), abs=0.002
    )


def test_two_wordings_of_one_problem_are_similar_and_another_problem_of_the_item_is_not(world):
    # given: a burst main and a water-meter question, both filed under the same service item
    from tickets.services import ticket_create

    burst = ticket_create(
        actor=world.company,
        kind="help",
        service_item=world.item,
        title="厂区门口的自来水管爆裂",
        description="厂区门口的自来水管爆裂了，一直在漏水，请尽快派人抢修。",
    )
    ticket_create(
        actor=world.company,
        kind="help",
        service_item=world.item,
        title="水表读数异常",
        description="这个月水表的读数比上个月高出很多，怀疑水表有问题，请派人来检查。",
    )
    # when: another company reports the burst in its own words, under the same item and park
    found = similar_open_tickets(
        world.zone_manager,
        title="供水管道破了",
        description="我们公司大门外供水管道破了在漏水。",
        service_item_id=world.item.pk,
        park_id=world.park.pk,
    )
    # then: the burst is shown, the other ticket of the item is not
    assert [t.id for t in found] == [burst.pk]


def test_query_count_is_constant(world, api_as, file_ticket, django_assert_max_num_queries):
    for n in range(6):
        file_ticket(title=f"污水管道堵塞{n}", description="门口污水管道堵塞，积水严重")
    with django_assert_max_num_queries(6):
        found = _similar(api_as(world.zone_manager), **DRAIN)
    assert len(found) == 5
