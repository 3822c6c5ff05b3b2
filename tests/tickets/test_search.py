"""The tickets' search: words of the number, title, description, public replies and the
enterprise's name, ranked on PostgreSQL, scoped like every list, in the API and the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets.models import Ticket
from tickets.search import ticket_search

pytestmark = pytest.mark.django_db


def _ids(client, text: str, **params) -> list[int]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/tickets/", {"search": text, **params})
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def filed(world, api_as, file_ticket):  # type: ignore[no-untyped-def]
    drain = file_ticket(title="厂区污水管道堵塞", description="雨后门口积水严重，请尽快疏通")
    power = file_ticket(title="车间停电", description="配电房跳闸，生产线停工")
    permit = file_ticket(title="施工许可咨询", description="二期工程需要哪些手续")
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{power['id']}/reply/", {"body": "已安排电工检修变压器"}).status_code == 201
    assert chief.post(f"/api/v1/tickets/{permit['id']}/note/", {"body": "内部：变压器另案"}).status_code == 201
    return {"drain": drain["id"], "power": power["id"], "permit": permit["id"]}


def test_words_of_title_and_description_in_any_order(world, api_as, filed):
    zone = api_as(world.zone_manager)
    assert _ids(zone, "疏通 污水") == [filed["drain"]]
    assert _ids(zone, "跳闸") == [filed["power"]]
    assert _ids(zone, "污水 跳闸") == []  # every word must match


def test_public_replies_are_searched_internal_notes_are_not(world, api_as, filed):
    zone = api_as(world.zone_manager)
    assert _ids(zone, "变压器") == [filed["power"]]


def test_the_enterprise_name_and_the_number(world, api_as, filed):
    zone = api_as(world.zone_manager)
    assert set(_ids(zone, world.enterprise.name)) == set(filed.values())
    number = Ticket.objects.get(pk=filed["permit"]).number
    assert _ids(zone, number) == [filed["permit"]]
    assert _ids(zone, number.lower()) == [filed["permit"]]
    assert _ids(zone, number.rsplit("-", 1)[1]) == [filed["permit"]]  # the serial alone


def test_a_substring_of_the_title(world, api_as, filed):
    zone = api_as(world.zone_manager)
    assert _ids(zone, "区污水") == [filed["drain"]]


def test_scoped_like_every_list(world, api_as, filed):
    assert _ids(api_as(world.other_company), "污水") == []
    assert _ids(api_as(world.other_park_manager), "污水") == []
    assert _ids(api_as(world.company), "污水") == [filed["drain"]]


def test_bad_and_empty_texts(world, api_as, filed):
    zone = api_as(world.zone_manager)
    assert _ids(zone, "？！") == []
    assert len(_ids(zone, "   ")) == 3
    assert zone.get("/api/v1/tickets/", {"search": "x" * 101}).status_code == 400
    assert _ids(zone, "' OR 1=1 --") == []
    assert _ids(zone, "污水 & | ! :*") == [filed["drain"]]


def test_postgresql_ranks_the_best_match_first(world, api_as, file_ticket, filed, clock):
    if connection.vendor != "postgresql":
        pytest.skip("ranking is PostgreSQL's")
    clock.shift(timedelta(minutes=5))
    better = file_ticket(title="污水管道堵塞，污水外溢", description="污水管道堵塞三天，污水漫到马路")
    zone = api_as(world.zone_manager)
    assert _ids(zone, "污水管道")[:2] == [better["id"], filed["drain"]]
    # an explicit ordering wins over the rank
    assert _ids(zone, "污水管道", ordering="created_at") == [filed["drain"], better["id"]]


def test_the_search_uses_the_gin_index(world, filed):
    if connection.vendor != "postgresql":
        pytest.skip("the GIN index is PostgreSQL's")
    with connection.cursor() as cursor, CaptureQueriesContext(connection) as ran:
        # on a tiny table the planner would rather walk the ids for the newest matches
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        ticket_search(Ticket.objects.all(), "污水")
        # the newest matches' ids are read at once: that query is the search
        (window,) = (q["sql"] for q in ran.captured_queries if "search_vector" in q["sql"])
        cursor.execute("EXPLAIN " + window)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    assert "ticket_search_vector_gin" in plan, plan


def test_postgresql_returns_the_newest_matches_ranked_among_themselves(
    world, api_as, file_ticket, filed, clock, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the bounded ranking is PostgreSQL's")
    import textsearch

    # given: an older ticket that matches best, and two newer ones
    clock.shift(timedelta(minutes=5))
    valve = file_ticket(title="污水阀门漏水", description="阀门需要更换")
    clock.shift(timedelta(minutes=5))
    flood = file_ticket(title="污水外溢", description="污水漫到马路，污水井堵塞")
    zone = api_as(world.zone_manager)
    # when: only the two newest matches are ranked
    monkeypatch.setattr(textsearch, "RANKED", 2)
    response = zone.get("/api/v1/tickets/", {"search": "污水"})
    # then: those two, the better first, and the count says two
    assert [row["id"] for row in response.json()["results"]] == [flood["id"], valve["id"]]
    assert response.json()["count"] == 2
    # and the stored vector follows a public reply: the older ticket is found by its words
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{filed['drain']}/reply/", {"body": "已派人清淤"}).status_code == 201
    monkeypatch.setattr(textsearch, "RANKED", 500)
    assert _ids(zone, "清淤") == [filed["drain"]]


def test_a_search_is_counted_and_paged_by_the_ids_it_found(world, api_as, file_ticket, filed, clock):
    # given: five tickets that say 污水 (the drain of `filed` and four more)
    for i in range(4):
        clock.shift(timedelta(minutes=1))
        file_ticket(title=f"污水井冒水 {i}", description="污水" * (i + 1))
    zone = api_as(world.zone_manager)
    whole = _ids(zone, "污水")
    assert len(whole) == 5
    # when: the second page of two
    with CaptureQueriesContext(connection) as ran:
        response = zone.get("/api/v1/tickets/", {"search": "污水", "page_size": 2, "page": 2})
    # then: the count of all, and the page is the ranked list's slice
    assert response.json()["count"] == 5
    assert [row["id"] for row in response.json()["results"]] == whole[2:4]
    if connection.vendor == "postgresql":
        # the count is the ids' number (no COUNT query); the page reads its own two rows
        assert not [q for q in ran.captured_queries if "COUNT(" in q["sql"]]
    # and another order chosen still counts and pages the same tickets
    by_date = zone.get("/api/v1/tickets/", {"search": "污水", "ordering": "created_at", "page_size": 2}).json()
    assert by_date["count"] == 5
    assert [row["id"] for row in by_date["results"]] == sorted(whole)[:2]
    assert zone.get("/api/v1/tickets/", {"search": "污水", "page_size": 2, "page": 4}).status_code == 404


def test_the_zone_and_a_park_are_wide_scopes_an_officers_is_not(world):
    from tickets.selectors import wide_scope

    assert [wide_scope(u) for u in (world.zone_manager, world.admin, world.park_manager)] == [True, True, True]
    assert [wide_scope(u) for u in (world.chief, world.dept_head, world.company)] == [False, False, False]


def test_a_park_managers_search_walks_and_finds_what_the_whole_search_finds(world, api_as, filed):
    if connection.vendor != "postgresql":
        pytest.skip("the walk is PostgreSQL's")
    park = api_as(world.park_manager)
    with CaptureQueriesContext(connection) as ran:
        walked = _ids(park, "污水")
    assert walked == [filed["drain"]]
    assert any("walk_step" in q["sql"] for q in ran.captured_queries)
    # an officer's narrow scope is searched at once, not walked
    with CaptureQueriesContext(connection) as ran:
        assert _ids(api_as(world.chief), "污水") == [filed["drain"]]
    assert not any("walk_step" in q["sql"] for q in ran.captured_queries)


def test_a_search_under_another_filter_is_not_walked(world, api_as, filed):
    # a filter may keep only old tickets: walking from the newest would read every step
    if connection.vendor != "postgresql":
        pytest.skip("the walk is PostgreSQL's")
    zone = api_as(world.zone_manager)
    with CaptureQueriesContext(connection) as ran:
        assert _ids(zone, "污水", created_before="2099-01-01T00:00:00Z") == [filed["drain"]]
    assert not any("walk_step" in q["sql"] for q in ran.captured_queries)
    with CaptureQueriesContext(connection) as ran:
        assert _ids(zone, "污水") == [filed["drain"]]
    assert any("walk_step" in q["sql"] for q in ran.captured_queries)


def test_the_scope_tags_are_the_ones_the_migration_stores():
    import importlib

    from tickets.selectors import SCOPE_TAGS

    migration = importlib.import_module("tickets.migrations.0016_ticket_search_vector_scope_tags")
    assert migration.TAGS == SCOPE_TAGS


def test_a_narrow_scopes_tags_cover_it_and_its_search_finds_by_them(world, api_as, filed):
    # what search_within names must hold every ticket of the scope: the search looks for the
    # words among the tagged tickets (and those beside), then applies the scope itself
    if connection.vendor != "postgresql":
        pytest.skip("the stored vector is PostgreSQL's")
    from tickets.selectors import search_within, ticket_list_for

    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{filed['power']}/accept/").status_code == 200
    assist = {"department": world.power_dept.pk, "request": "请协助"}
    asked = chief.post(f"/api/v1/tickets/{filed['power']}/assist/", assist)
    assert asked.status_code == 201, asked.json()
    users = [world.chief, world.deputy, world.other_officer, world.power_officer, world.dept_head, world.company]
    for user in [*users, world.other_company]:
        within = search_within(user)
        assert within is not None
        scope = set(ticket_list_for(user).values_list("pk", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM tickets_ticket WHERE search_vector @@ %s::tsquery", [within.tsquery()])
            tagged = {row[0] for row in cursor.fetchall()}
        beside = set(Ticket.objects.filter(within.beside).values_list("pk", flat=True)) if within.beside else set()
        assert scope <= tagged | beside, user
    # the power department's officer sees the ticket it assists with by its id alone
    assert set(ticket_list_for(world.power_officer).values_list("pk", flat=True)) == {filed["power"]}
    assert _ids(api_as(world.power_officer), "跳闸") == [filed["power"]]
    assert _ids(api_as(world.power_officer), "污水") == []
    # the chief's search names their tags and finds what it found before
    with CaptureQueriesContext(connection) as ran:
        assert _ids(chief, "污水") == [filed["drain"]]
    assert any(f"~a{world.chief.pk}" in q["sql"] for q in ran.captured_queries)
    assert _ids(api_as(world.dept_head), "跳闸") == [filed["power"]]
    assert _ids(api_as(world.company), "跳闸") == [filed["power"]]
    assert _ids(api_as(world.other_company), "跳闸") == []
    # wide scopes walk instead
    assert search_within(world.park_manager) is None and search_within(world.zone_manager) is None
