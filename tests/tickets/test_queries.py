"""Lists run a constant number of queries whatever their length, and the indexes behind the
queue filters exist in the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk import clock
from tickets.models import AssistRequest, Escalation, ExtensionRequest, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

# pagination count + page, and nothing per row
LIST_QUERIES = 2
DETAIL_LIST_QUERIES = 3  # the ticket in scope, then its rows (and nothing per row)


def _file(world, api_as, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    company = api_as(world.company)
    ids = []
    for i in range(n):
        response = company.post(
            "/api/v1/tickets/",
            {"title": f"事项{i}", "description": "d", "kind": "help", "service_item": world.item.code},
            format="json",
        )
        assert response.status_code == 201
        ids.append(response.json()["id"])
    return ids


def _grow(world, ticket_ids: list[int], n: int) -> None:  # type: ignore[no-untyped-def]
    """Replies, extension requests and assist requests, n of each (one extension per ticket)."""
    ticket = Ticket.objects.get(pk=ticket_ids[0])
    now = clock.now()
    for i in range(n):
        TicketEvent.objects.create(ticket=ticket, actor=world.chief, kind="replied", body=f"r{i}", created_at=now)
        AssistRequest.objects.create(
            ticket=ticket,
            department=world.power_dept,
            request="r",
            requested_by=world.chief,
            due_at=now,
            created_at=now,
        )
    for tid in ticket_ids[:n]:
        ExtensionRequest.objects.create(
            ticket_id=tid,
            requested_by=world.chief,
            previous_resolve_due_at=now,
            new_resolve_due_at=now,
            reason="r",
            status="approved",
            created_at=now,
        )


@pytest.mark.parametrize("who", ["chief", "company", "park_manager", "zone_manager", "admin"])
@pytest.mark.parametrize("size", [3, 30])
def test_ticket_list_queries_do_not_grow_with_its_length(world, api_as, django_assert_max_num_queries, who, size):
    _file(world, api_as, size)
    client = api_as(getattr(world, who))
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get("/api/v1/tickets/", {"page_size": 200})
    assert response.json()["count"] == size
    with django_assert_max_num_queries(LIST_QUERIES):
        queue = client.get("/api/v1/tickets/", {"assignee": "me", "status": "submitted", "ordering": "resolve_due_at"})
    assert queue.status_code == 200


@pytest.mark.parametrize("size", [3, 30])
def test_events_extensions_and_assists_queries_do_not_grow(world, api_as, django_assert_max_num_queries, size):
    ids = _file(world, api_as, size)
    _grow(world, ids, size)
    chief = api_as(world.chief)
    with django_assert_max_num_queries(DETAIL_LIST_QUERIES):
        events = chief.get(f"/api/v1/tickets/{ids[0]}/events/")
    assert len(events.json()) == size + 1  # and "created"
    with django_assert_max_num_queries(DETAIL_LIST_QUERIES):
        attachments = chief.get(f"/api/v1/tickets/{ids[0]}/attachments/")
    assert attachments.status_code == 200
    with django_assert_max_num_queries(LIST_QUERIES):
        extensions = chief.get("/api/v1/extensions/", {"page_size": 200})
    assert extensions.json()["count"] == size
    with django_assert_max_num_queries(LIST_QUERIES):
        assists = chief.get("/api/v1/assists/", {"page_size": 200})
    assert assists.json()["count"] == size
    with django_assert_max_num_queries(DETAIL_LIST_QUERIES):
        company_events = api_as(world.company).get(f"/api/v1/tickets/{ids[0]}/events/")
    assert len(company_events.json()) == size + 1


QUEUE_INDEXES = {
    "ticket_assignee_queue_idx": ["assignee_id", "status", "resolve_due_at"],
    "ticket_owner_queue_idx": ["owner_id", "status", "resolve_due_at"],
    "ticket_enterprise_idx": ["enterprise_id", "created_at"],
    "ticket_park_idx": ["park_id", "status", "created_at"],
    "ticket_park_queue_idx": ["park_id", "resolve_due_at"],
    "ticket_department_idx": ["department_id", "status", "created_at"],
    "ticket_status_idx": ["status", "created_at"],
    "ticket_item_idx": ["service_item_id", "created_at"],
    "ticket_priority_idx": ["priority_rank", "created_at"],
    "ticket_resolve_due_idx": ["resolve_due_at"],
    "ticket_overdue_idx": ["overdue", "status"],
}


def test_the_queue_indexes_are_declared_and_exist_in_the_database():
    declared = {index.name for index in Ticket._meta.indexes}
    assert set(QUEUE_INDEXES) <= declared
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Ticket._meta.db_table)
    for name, columns in QUEUE_INDEXES.items():
        assert name in constraints, name
        assert constraints[name]["index"], name
        assert constraints[name]["columns"] == columns, (name, constraints[name]["columns"])
    assert constraints["ticket_overdue_idx"]  # partial (WHERE overdue) where the database supports it


def test_the_report_period_indexes_exist_in_the_database():
    """The monthly report counts escalations by `fired_at`."""
    for model, name, columns in ((Escalation, "escalation_fired_idx", ["fired_at"]),):
        assert name in {index.name for index in model._meta.indexes}
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
        assert constraints[name]["index"], name
        assert constraints[name]["columns"] == columns, (name, constraints[name]["columns"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL only")
def test_the_search_trigram_indexes_exist_on_postgresql():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Ticket._meta.db_table)
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [Ticket._meta.db_table])
        definitions = dict(cursor.fetchall())
    for name in ("ticket_title_trgm_idx", "ticket_description_trgm_idx"):
        assert name in constraints, name
        assert "gin_trgm_ops" in definitions[name], definitions[name]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL only")
def test_search_is_served_by_the_full_text_and_trigram_indexes(world):
    # given the search filter's own query (icontains → UPPER(col::text) LIKE UPPER(…))
    from tickets.filters import TicketFilter

    # when the planner may neither scan the table nor walk another index in order (with
    # fresh statistics it would rather walk the ids on a tiny table)
    with connection.cursor() as cursor, CaptureQueriesContext(connection) as ran:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        TicketFilter(data={"search": "用电报装"}, queryset=Ticket.objects.all()).qs.order_by()
        # the newest matches' ids are read at once: that query is the search
        (window,) = (q["sql"] for q in ran.captured_queries if "search_vector" in q["sql"])
        cursor.execute("EXPLAIN " + window)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # then the words through the search document's GIN index, the title's substring
    # through its trigram index
    assert "ticket_search_vector_gin" in plan, plan
    assert "ticket_title_trgm_idx" in plan, plan
