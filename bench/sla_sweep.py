"""Benchmark of the SLA sweep: N open tickets, M of them with a ladder step due.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sla \\
        .venv/bin/python bench/sla_sweep.py --open 100000 --due 10000

Point REDIS_URL at a scratch Redis database: the notifications of every sweep batch are
published as one delivery task after its commit. DEBUG is off unless DJANGO_DEBUG says
otherwise. Use a database of its own (it is migrated, and filled with bench rows that are
left there; each run adds its own, numbered apart). The tickets are bulk-inserted (in progress, the
acceptance deadline stopped, the resolution deadline running); `--due` of them have their
resolution warning due a minute ago, the others in the next days. Then it times:

- the due query's plan (EXPLAIN ANALYZE: the partial index on next_step_at);
- one sweep firing every due step (Escalation row, TicketEvent, ticket update, next step);
- an idle sweep right after (nothing due: what every minute costs when all is well).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")  # as in production: no SQL log kept per query

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from servicedesk.calendar import calendar_days_upsert, chinesecalendar_entries, default_calendar  # noqa: E402
from servicedesk.models import CalendarDay, Department, Enterprise, Park, ServiceItem, User, Zone  # noqa: E402
from tests.factories import credit_code  # noqa: E402
from tickets.models import DeadlineKind, Escalation, EscalationLevel, SlaDeadline, Status, Ticket  # noqa: E402
from tickets.sla.escalation import _due, escalation_sweep  # noqa: E402

CHUNK = 5000


def organisation(run: str, email: bool = False) -> tuple[list[Enterprise], ServiceItem, User]:
    zone = Zone.objects.create(code=f"bz-{run}", name=f"bench zone {run}")
    park = Park.objects.create(zone=zone, code=f"bp-{run}", name=f"bench park {run}")
    dept = Department.objects.create(zone=zone, code=f"bd-{run}", name=f"bench dept {run}")
    officers = [
        User.objects.create(
            username=f"bench-{run}-officer{i}",
            role=User.Role.OFFICER,
            department=dept,
            email=f"officer{i}@bench.example" if email else "",
        )
        for i in range(50)
    ]
    User.objects.create(username=f"bench-{run}-manager", role=User.Role.MANAGER, park=park)
    base = int(run, 16) * 1000
    enterprises = [
        Enterprise.objects.create(
            name=f"bench {run} 企业{i}", credit_code=credit_code(base + i), park=park, chief_officer=officers[i % 50]
        )
        for i in range(200)
    ]
    item = ServiceItem.objects.create(
        code=f"bench-{run}", name="bench", department=dept, accept_limit="4h", resolve_limit="5d"
    )
    return enterprises, item, officers[0]


def fill(run: str, n_open: int, n_due: int, email: bool = False) -> None:
    enterprises, item, creator = organisation(run, email)
    now = timezone.now()
    rng = random.Random(run)
    due_ids: set[int] = set(rng.sample(range(n_open), n_due))
    for start in range(0, n_open, CHUNK):
        tickets = []
        for i in range(start, min(start + CHUNK, n_open)):
            enterprise = enterprises[i % len(enterprises)]
            created = now - timedelta(days=4)
            tickets.append(
                Ticket(
                    number=f"B{run}-{i:07d}",
                    title="bench",
                    description="bench",
                    status=Status.IN_PROGRESS,
                    enterprise=enterprise,
                    park_id=enterprise.park_id,
                    service_item=item,
                    department_id=item.department_id,
                    assignee_id=enterprise.chief_officer_id,
                    owner_id=enterprise.chief_officer_id,
                    created_by=creator,
                    accept_due_at=created + timedelta(hours=4),
                    resolve_due_at=created + timedelta(days=7),
                    accepted_at=created + timedelta(hours=1),
                    created_at=created,
                    updated_at=created,
                )
            )
        Ticket.objects.bulk_create(tickets, batch_size=CHUNK)
        rows = []
        for offset, ticket in enumerate(tickets):
            i = start + offset
            rows.append(
                SlaDeadline(
                    ticket=ticket,
                    kind=DeadlineKind.ACCEPT,
                    version=1,
                    clock="working",
                    started_at=ticket.created_at,
                    due_at=ticket.accept_due_at,
                    stopped_at=ticket.accepted_at,
                    created_at=ticket.created_at,
                )
            )
            step = now - timedelta(minutes=1) if i in due_ids else now + timedelta(minutes=rng.randint(10, 6 * 24 * 60))
            rows.append(
                SlaDeadline(
                    ticket=ticket,
                    kind=DeadlineKind.RESOLVE,
                    version=1,
                    clock="working",
                    started_at=ticket.created_at,
                    due_at=ticket.resolve_due_at,
                    next_level=EscalationLevel.WARNING,
                    next_step_at=step,
                    created_at=ticket.created_at,
                )
            )
        SlaDeadline.objects.bulk_create(rows, batch_size=CHUNK)
        print(f"  {start + len(tickets):>8} tickets", end="\r", flush=True)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=100_000, help="open tickets to create")
    parser.add_argument("--due", type=int, default=10_000, help="how many of them have a step due")
    parser.add_argument("--batch", type=int, default=100, help="rows per sweep transaction")
    parser.add_argument(
        "--email",
        action="store_true",
        help="the officers have email addresses (email is on by default for them): two outbox rows a step",
    )
    parser.add_argument(
        "--no-notify",
        action="store_true",
        help="leave out the notifications hook of record_event (the sweep's own cost only)",
    )
    args = parser.parse_args()
    if args.due > args.open:
        parser.error("--due cannot exceed --open")

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if args.no_notify:
        import tickets.notify

        tickets.notify.notify_event = lambda event: []  # type: ignore[assignment]
        tickets.notify.notify_events = lambda events: []  # type: ignore[assignment]  # the sweep's
        print("notifications hook: off")
    call_command("migrate", verbosity=0)
    year = timezone.localdate().year  # the statutory holidays, as a deployment has them loaded
    calendar_days_upsert(
        calendar=default_calendar(), entries=chinesecalendar_entries(year), source=CalendarDay.Source.CHINESECALENDAR
    )
    run = f"{random.SystemRandom().randrange(16**6):06x}"

    t = time.perf_counter()
    fill(run, args.open, args.due, args.email)
    load = time.perf_counter() - t
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_sladeadline")
            cursor.execute("ANALYZE tickets_ticket")
    running = SlaDeadline.objects.filter(next_step_at__isnull=False).count()
    print(f"bulk insert of {args.open} tickets + {2 * args.open} deadlines: {load:.1f} s")
    print(f"deadlines in the sweep index (running): {running}")

    now = timezone.now()
    if connection.vendor == "postgresql":
        with transaction.atomic():
            plan = _due(now, set())[: args.batch].explain(analyze=True)
        print("due query plan:\n  " + plan.replace("\n", "\n  "))

    # what a worker has done long before its first sweep: finalize the app, connect to the
    # broker (an empty delivery batch: a no-op for whichever worker takes it)
    from notifications.tasks import notification_send_batch

    notification_send_batch.apply_async(([],))

    before = Escalation.objects.count()
    t, cpu = time.perf_counter(), time.process_time()
    fired = escalation_sweep(now=now, limit=args.due * 3 + 1000, batch=args.batch)
    busy, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(
        f"sweep with {args.due} due: fired {fired} steps in {busy:.2f} s "
        f"({busy / max(fired, 1) * 1000:.2f} ms/step, {fired / busy:.0f} steps/s; "
        f"this process's CPU {cpu:.2f} s, the rest is waiting on PostgreSQL, Redis or the CPU)"
    )
    if Escalation.objects.count() - before != fired:
        raise SystemExit("the Escalation rows do not match the steps fired")

    timings = []
    for _ in range(5):
        t = time.perf_counter()
        idle = escalation_sweep(now=now, batch=args.batch)
        timings.append(time.perf_counter() - t)
        if idle:
            raise SystemExit(f"an idle sweep fired {idle} steps")
    print(f"idle sweep (nothing due), 5 runs: best {min(timings) * 1000:.1f} ms, worst {max(timings) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
