"""The endpoints the benchmark measures, who calls them, and how many SQL queries each request
makes (an in-process pass with Django's test client and CaptureQueriesContext).

Shared by bench/run.py and tests/bench/test_query_budget.py; the budget is
bench/query_budget.json (a count above it fails the small mode and the test)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUDGET_FILE = Path(__file__).resolve().parent / "query_budget.json"

QUEUE = "/api/v1/tickets/?assignee=me&status=submitted&status=in_progress&ordering=resolve_due_at"
LIST = "/api/v1/tickets/"
INBOX = "/api/v1/notifications/?unread=true"
REPORT = "/api/v1/reports/officers/?period=month"
REPORT_CSV = "/api/v1/reports/officers/?period=month&format=csv"
HOTSPOTS = "/api/v1/reports/hotspots/?period=month"
SEARCH_WORDS = ["停电", "排污许可证", "厂区 停电", "出口退税 进度", "叉车 登记", "贷款贴息", "招聘 普工", "水管爆裂"]
"""What the search box is given: words the seeded texts hold (bench/seed.py writes the demo's
phrasings), one and two at a time; `search_texts` adds a part of a ticket number."""
BENCH_TOKEN = "bench"  # noqa: S105  the name of the API tokens the benchmark issues, not a secret


@dataclass
class Actor:
    user_id: int
    token: str
    tickets: list[int] = field(default_factory=list)


@dataclass
class Cast:
    """The callers: officers with their open tickets, enterprise users with theirs, a zone
    manager, and the service items a new ticket may name."""

    officers: list[Actor]
    companies: list[Actor]
    manager: Actor
    items: list[str]
    number_part: str = "2026-0001"
    officer_by_id: dict[int, Actor] = field(default_factory=dict)


def cast(n_officers: int = 8, n_companies: int = 400) -> Cast:
    """Officers with the most open tickets assigned and enterprise users with tickets; API
    tokens named "bench" are issued for them (and for every officer, who may be routed a new
    ticket), replacing the ones an earlier run issued (only a key's digest is stored)."""
    from django.db.models import Count, Q

    from servicedesk.models import ApiToken, ServiceItem, User
    from tickets.models import OPEN_STATUSES, Ticket

    def token(user_id: int) -> str:
        ApiToken.objects.filter(user_id=user_id, name=BENCH_TOKEN).delete()
        row, key = ApiToken.new(user_id=user_id, name=BENCH_TOKEN)
        row.save()
        return key

    officers_all = list(User.objects.filter(role=User.Role.OFFICER, is_active=True).values_list("pk", flat=True))
    ApiToken.objects.filter(user_id__in=officers_all, name=BENCH_TOKEN).delete()
    issued = {pk: ApiToken.new(user_id=pk, name=BENCH_TOKEN) for pk in officers_all}
    ApiToken.objects.bulk_create([row for row, _key in issued.values()], batch_size=1000)
    tokens = {pk: key for pk, (_row, key) in issued.items()}
    busiest = (
        Ticket.objects.filter(status__in=OPEN_STATUSES, assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("pk"))
        .order_by("-n", "assignee")[:n_officers]
    )
    officers = []
    for row in busiest:
        uid = row["assignee"]
        mine = list(
            Ticket.objects.filter(Q(owner_id=uid) | Q(assignee_id=uid))
            .order_by("-created_at")
            .values_list("pk", flat=True)[:200]
        )
        officers.append(Actor(uid, tokens[uid], mine))
    companies = []
    users = User.objects.filter(role=User.Role.ENTERPRISE, is_active=True, enterprise__tickets__isnull=False).distinct()
    for uid, ent in users.order_by("pk").values_list("pk", "enterprise_id")[:n_companies]:
        mine = list(Ticket.objects.filter(enterprise_id=ent).order_by("-created_at").values_list("pk", flat=True)[:20])
        companies.append(Actor(uid, token(uid), mine))
    manager_id = (
        User.objects.filter(role=User.Role.MANAGER, park__isnull=True, department__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if manager_id is None:
        raise SystemExit("no zone manager in the database")
    items = list(ServiceItem.objects.filter(is_active=True).order_by("code").values_list("code", flat=True))
    newest = Ticket.objects.order_by("-pk").values_list("number", flat=True).first() or "SD-2026-000100"
    result = Cast(officers, companies, Actor(manager_id, token(manager_id)), items, number_part=newest[3:12])
    result.officer_by_id = {uid: Actor(uid, key) for uid, key in tokens.items()}
    return result


def search_texts(c: Cast) -> list[str]:
    """The texts the search endpoints are given in turn: Chinese words, and the year and first
    digits of a ticket number (SD-2026-0001… → 2026-0001)."""
    return [*SEARCH_WORDS, c.number_part]


def search_path(c: Cast, i: int) -> str:
    from urllib.parse import quote

    texts = search_texts(c)
    return f"/api/v1/tickets/?search={quote(texts[i % len(texts)])}"


def new_ticket_body(c: Cast, i: int) -> dict[str, Any]:
    return {
        "title": f"基准测试工单 {i}",
        "description": "厂区道路照明损坏，需要维修。",
        "kind": "help",
        "service_item": c.items[i % len(c.items)],
        "priority": "normal",
    }


def count_queries(c: Cast) -> dict[str, int]:
    """SQL queries of one request to each endpoint (after a first, warming request)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def call(actor: Actor, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        client = Client(HTTP_AUTHORIZATION=f"Token {actor.token}")
        with CaptureQueriesContext(connection) as ctx:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data=json.dumps(body or {}), content_type="application/json")
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.content[:300]!r}")
        data = None if response.streaming or "json" not in response.get("Content-Type", "") else response.json()
        if response.streaming:
            b"".join(response.streaming_content)  # type: ignore[arg-type]
        return len(ctx.captured_queries), data

    from urllib.parse import quote

    from tickets.models import Ticket

    officer, company = c.officers[0], c.companies[0]
    ticket = officer.tickets[0]
    title = Ticket.objects.values_list("title", flat=True).get(pk=ticket)  # a search that finds something
    reads = {
        "queue": (officer, QUEUE),
        "list": (company, LIST),
        "detail": (officer, f"/api/v1/tickets/{ticket}/"),
        "events": (officer, f"/api/v1/tickets/{ticket}/events/"),
        "inbox": (officer, INBOX),
        "report": (c.manager, REPORT),
        "report_csv": (c.manager, REPORT_CSV),
        "search": (officer, f"/api/v1/tickets/?search={quote(title)}"),
        "search_zone": (c.manager, f"/api/v1/tickets/?search={quote(title)}"),
        "hotspots": (c.manager, HOTSPOTS),
    }
    counts: dict[str, int] = {}
    for name, (actor, path) in reads.items():
        call(actor, "GET", path)
        counts[name], _ = call(actor, "GET", path)
    created = []
    for i in range(2):
        n, data = call(company, "POST", "/api/v1/tickets/", new_ticket_body(c, i))
        counts["create"] = n
        created.append(data)
    for data in created:
        assignee = c.officer_by_id[data["assignee"]["id"] if isinstance(data["assignee"], dict) else data["assignee"]]
        counts["transition"], _ = call(assignee, "POST", f"/api/v1/tickets/{data['id']}/accept/", {})
    return counts


def load_budget() -> dict[str, int]:
    data = json.loads(BUDGET_FILE.read_text())
    return {k: int(v) for k, v in data["queries_per_request"].items()}


def over_budget(counts: dict[str, int], budget: dict[str, int]) -> list[str]:
    return [
        f"{name}: {counts[name]} queries > budget {limit}" for name, limit in budget.items() if counts[name] > limit
    ]
