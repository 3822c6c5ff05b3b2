"""What the live queue costs: N open queue pages polling the "changed since" check.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_live \\
        .venv/bin/python bench/live_queue.py --pages 200 --rounds 10 --changes 1

Point it at a seeded database (bench/seed.py; the sessions it signs in are left there). The
pages are the queues of real users of the seed: officers (their own open tickets) and
managers (a park's, a department's, the zone's open tickets), as many pages as `--pages`,
each opened once through the queue page (which hands out the page's token). Then
`--rounds` rounds: `--changes` random open tickets change (their `updated_at` moves to now,
as a service's save does: a change somewhere in the zone), then every page asks once, in
this one process, through the whole Django stack (Django's test client: middleware,
session, user, the check; no HTTP server, no network). A page whose view holds a changed
ticket gets its rows (200) and a new token; the others 204.

Reported: checks per second of one process (one core), the time per check (all, 204s,
200s), the SQL queries and the database time per check, the share of one core that N pages
polling every `--interval` seconds keep busy, and the check's plan (EXPLAIN ANALYZE) for an
officer and for the zone manager.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")  # as in production: no SQL log kept per query
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

logging.getLogger("axes").setLevel(logging.WARNING)  # not a line per page's sign-in

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from servicedesk import clock  # noqa: E402
from servicedesk.models import User  # noqa: E402
from tickets import queue  # noqa: E402
from tickets.models import OPEN_STATUSES, Ticket  # noqa: E402

POLL = re.compile(r'id="queue-live"[^>]*hx-get="([^"]+)"')


class DbTimer:
    """The queries and the time spent in the database driver, through `execute_wrapper`."""

    def __init__(self) -> None:
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def pick_users(pages: int) -> list[User]:
    """A mix like a working day's: one page in five a manager's, the rest officers' queues."""
    managers = list(User.objects.filter(role=User.Role.MANAGER).order_by("pk"))
    officers = list(User.objects.filter(role=User.Role.OFFICER).order_by("pk"))
    if not officers:
        raise SystemExit("no officers: seed the database first (bench/seed.py)")
    chosen: list[User] = []
    for i in range(pages):
        if i % 5 == 4 and managers:
            chosen.append(managers[(i // 5) % len(managers)])
        else:
            chosen.append(officers[i % len(officers)])
    return chosen


def open_page(user: User) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("work-queue"))
    if response.status_code != 200:
        raise RuntimeError(f"{user}: the queue answered {response.status_code}")
    found = POLL.search(response.content.decode())
    if not found:
        raise RuntimeError(f"{user}: no polling element on the queue page")
    return client, found.group(1).replace("&amp;", "&")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _quantiles(values: list[float]) -> tuple[float, float]:
    return percentile(values, 0.5), percentile(values, 0.95)


def _span(values: list[int]) -> str:
    if not values:
        return "–"
    return str(min(values)) if min(values) == max(values) else f"{min(values)}–{max(values)}"


def explain(user: User) -> str:
    since = clock.now() - timedelta(seconds=4)
    plan = queue.queue_changes(user, queue.QueueQuery(), since=since).explain(analyze=True)
    lines = plan.splitlines()
    used = sorted({m for line in lines for m in re.findall(r"using (\w+)", line)})
    timing = next((line.strip() for line in lines if line.startswith("Execution Time")), "")
    return f"{user.username}: {timing}; indexes: {', '.join(used) or 'none'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=200, help="open queue pages")
    parser.add_argument("--rounds", type=int, default=10, help="checks per page")
    parser.add_argument("--changes", type=int, default=1, help="tickets changed anywhere before each round")
    parser.add_argument("--interval", type=float, default=4.0, help="the pages' polling interval (for the load share)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    tickets = Ticket.objects.count()
    open_ids = list(Ticket.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    print(f"database: {connection.settings_dict['NAME']}, {tickets:,} tickets, {len(open_ids):,} open")

    started = time.perf_counter()
    pages = [(user, *open_page(user)) for user in pick_users(args.pages)]
    opened = time.perf_counter() - started
    print(f"{len(pages)} pages opened in {opened:.1f} s ({1000 * opened / len(pages):.1f} ms a page load)")

    timer = DbTimer()
    durations: dict[int, list[float]] = {200: [], 204: []}
    db_seconds: dict[int, list[float]] = {200: [], 204: []}
    queries: dict[int, list[int]] = {200: [], 204: []}
    with connection.execute_wrapper(timer):
        for _ in range(args.rounds):
            changed = rng.sample(open_ids, min(args.changes, len(open_ids)))
            if changed:
                Ticket.objects.filter(pk__in=changed).update(updated_at=clock.now())
            for i, (user, client, poll) in enumerate(pages):
                before_q, before_s = timer.queries, timer.seconds
                t = time.perf_counter()
                response = client.get(poll)
                elapsed = time.perf_counter() - t
                if response.status_code not in durations:
                    raise RuntimeError(f"{user}: the check answered {response.status_code}")
                durations[response.status_code].append(elapsed)
                db_seconds[response.status_code].append(timer.seconds - before_s)
                queries[response.status_code].append(timer.queries - before_q)
                if response.status_code == 200:
                    found = POLL.search(response.content.decode())
                    if found is None:
                        raise RuntimeError(f"{user}: refreshed rows without a polling element")
                    pages[i] = (user, client, found.group(1).replace("&amp;", "&"))

    every = durations[200] + durations[204]
    total = sum(every)
    rate = len(every) / total
    needed = args.pages / args.interval
    print(f"{len(every)} checks: {len(durations[204])} × 204, {len(durations[200])} × 200 (rows refreshed)")
    print(f"checks per second, one process: {rate:.0f}")
    for name, values in (("all", every), ("204", durations[204]), ("200", durations[200])):
        if values:
            mean, p50, p95 = (1000 * x for x in (statistics.fmean(values), *_quantiles(values)))
            print(f"  {name:>3}: mean {mean:.2f} ms, p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    for code, name in ((204, "a 204"), (200, "a 200")):
        if db_seconds[code]:
            mean, p50, p95 = (1000 * x for x in (statistics.fmean(db_seconds[code]), *_quantiles(db_seconds[code])))
            print(f"database, {name}: mean {mean:.2f} ms, p50 {p50:.2f} ms, p95 {p95:.2f} ms,", end=" ")
            print(f"{_span(queries[code])} SQL queries")
    all_db = db_seconds[200] + db_seconds[204]
    print(
        f"{args.pages} pages every {args.interval:g} s = {needed:.0f} checks/s"
        f" = {100 * needed / rate:.0f} % of one core,"
        f" {100 * needed * statistics.fmean(all_db):.1f} % of one database connection"
    )
    zone = User.objects.filter(role=User.Role.MANAGER, park__isnull=True, department__isnull=True).first()
    officer = pages[0][0]
    for user in [officer, zone]:
        if user is not None:
            print("plan: " + explain(user))


if __name__ == "__main__":
    main()
