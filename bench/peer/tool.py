"""The peer's side of bench/peer_run.py, run with the peer's Python (`.run/peer-venv`):

    PYTHONPATH=. DJANGO_SETTINGS_MODULE=bench.peer.settings .run/peer-venv/bin/python -m bench.peer.tool seed
    … -m bench.peer.tool cast --officers 8         # JSON: sessions, tokens and tickets of the busiest staff
    … -m bench.peer.tool escalate --due 500        # JSON: one timed `escalate_tickets` pass

`seed` drops and creates the database, migrates it and fills it through the peer's models in
bulk (`bulk_create`), shaped like bench/seed.py's data: one queue per department, the staff
(our officers), submitters by enterprise, tickets over 3 years with 3 % open (the recent ones),
2 % resolved, the rest closed, priorities 10/72/13/5 % low/normal/high/urgent, and a few
follow-ups a ticket (filed, taken, resolved, closed). The same `--seed`, the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
YEARS = 3
BATCH = 5000


def database_url() -> str:
    return os.environ.get("PEER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_peer")


def recreate_database() -> None:
    import psycopg

    url = urlsplit(database_url())
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")
    import django

    django.setup()


def seed(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    recreate_database()
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], check=True, cwd=ROOT)
    django_setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sites.models import Site
    from django.db import connection, transaction
    from helpdesk.models import FollowUp, Queue, Ticket

    rng = random.Random(args.seed)
    user_model = get_user_model()
    Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1", "name": "peer"})
    # created / modified are auto_now(_add): a restore keeps the rows' own times, so do we
    for name in ("created", "modified"):
        field = Ticket._meta.get_field(name)
        field.auto_now = field.auto_now_add = False  # type: ignore[attr-defined]
    with transaction.atomic():
        password = make_password(None)  # unusable: the bench signs in by session and token
        staff = user_model.objects.bulk_create(
            user_model(
                username=f"officer{i}",
                email=f"officer{i}@peer.invalid",
                is_staff=True,
                password=password,
            )
            for i in range(args.officers)
        )
        queues = Queue.objects.bulk_create(
            Queue(title=f"Department {i}", slug=f"department-{i}", allow_public_submission=False)
            for i in range(args.departments)
        )
    by_queue = [[u for j, u in enumerate(staff) if j % len(queues) == i] or staff for i in range(len(queues))]
    now = dt.datetime.now(dt.UTC)
    span = YEARS * 365 * 86400.0
    # older tickets are fewer (a growing zone): sqrt spreads them toward the present
    ages = sorted((span * (1 - rng.random() ** 0.5) for _ in range(args.tickets)), reverse=True)
    n_open, n_resolved = round(args.tickets * 0.03), round(args.tickets * 0.02)
    priorities = rng.choices([4, 3, 2, 1], weights=[10, 72, 13, 5], k=args.tickets)
    made = followups = 0
    for start in range(0, args.tickets, BATCH):
        rows: list[Ticket] = []
        stamps = []
        for i in range(start, min(start + BATCH, args.tickets)):
            created = now - dt.timedelta(seconds=ages[i])
            left = args.tickets - i  # the newest are the open ones, then the resolved
            status = Ticket.OPEN_STATUS if left <= n_open else Ticket.RESOLVED_STATUS
            if left > n_open + n_resolved:
                status = Ticket.CLOSED_STATUS
            q = rng.randrange(len(queues))
            officer = rng.choice(by_queue[q])
            closed = status != Ticket.OPEN_STATUS
            rows.append(
                Ticket(
                    title=f"Ticket {i}: {rng.choice(('street light', 'fire inspection', 'power supply', 'permit'))}",
                    queue=queues[q],
                    created=created,
                    modified=created + dt.timedelta(days=3 if closed else 0),
                    submitter_email=f"enterprise{rng.randrange(args.enterprises)}@peer.invalid",
                    assigned_to=officer,
                    status=status,
                    description="The street light by the north gate is broken and needs repair.",
                    resolution="Repaired on site." if closed else None,
                    priority=priorities[i],
                    due_date=created + dt.timedelta(days=10),
                    last_escalation=now if not closed else None,
                )
            )
            stamps.append((officer, status, created))
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(rows, batch_size=BATCH)
            notes = []
            for t, (officer, status, created) in zip(tickets, stamps, strict=True):
                notes.append(
                    FollowUp(ticket=t, date=created, title="Ticket Opened", comment=t.description, public=True)
                )
                notes.append(
                    FollowUp(
                        ticket=t, date=created + dt.timedelta(hours=2), title="Ticket taken", user=officer, public=True
                    )
                )
                if status != Ticket.OPEN_STATUS:
                    notes.append(
                        FollowUp(
                            ticket=t,
                            date=created + dt.timedelta(days=2),
                            title="Ticket resolved",
                            comment="Repaired on site.",
                            user=officer,
                            public=True,
                            new_status=Ticket.RESOLVED_STATUS,
                        )
                    )
                if status == Ticket.CLOSED_STATUS:
                    notes.append(
                        FollowUp(
                            ticket=t,
                            date=created + dt.timedelta(days=3),
                            title="Ticket closed",
                            user=officer,
                            public=True,
                            new_status=Ticket.CLOSED_STATUS,
                        )
                    )
            FollowUp.objects.bulk_create(notes, batch_size=BATCH)
        made += len(tickets)
        followups += len(notes)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"tickets": made, "followups": followups, "seconds": round(time.perf_counter() - started, 1)}


def cast(args: argparse.Namespace) -> dict[str, Any]:
    """The busiest staff (most open tickets assigned), each with a signed-in session (as a
    browser holds after logging in), a CSRF cookie, an API token, and their recent tickets."""
    django_setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django.middleware.csrf import get_token
    from django.test import RequestFactory
    from helpdesk.models import Queue, Ticket
    from rest_framework.authtoken.models import Token

    busiest = (
        Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES, assigned_to__isnull=False)
        .values("assigned_to")
        .annotate(n=Count("pk"))
        .order_by("-n", "assigned_to")[: args.officers]
    )
    out = []
    for row in busiest:
        user = get_user_model().objects.get(pk=row["assigned_to"])
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        request = RequestFactory().get("/")
        get_token(request)  # a new CSRF secret, as the first page a browser loads sets it
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        tickets = list(Ticket.objects.filter(assigned_to=user).order_by("-created").values_list("pk", flat=True)[:200])
        out.append(
            {
                "user_id": user.pk,
                "session": session.session_key,
                "csrf": request.META["CSRF_COOKIE"],
                "token": token.key,
                "tickets": tickets,
            }
        )
    queues = list(Queue.objects.order_by("pk").values_list("pk", flat=True))
    return {"officers": out, "queues": queues, "tickets": Ticket.objects.count()}


def escalate(args: argparse.Namespace) -> dict[str, Any]:
    """One `escalate_tickets` pass with `--due` open tickets due: every queue escalates after a
    day, the `--due` first open tickets were last escalated three days ago, the others now."""
    django_setup()
    from django.core.management import call_command
    from django.utils import timezone
    from helpdesk.models import Queue, Ticket

    now = timezone.now()
    Queue.objects.update(escalate_days=1)
    open_ = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES)
    open_.update(last_escalation=now)
    due = list(open_.order_by("pk").values_list("pk", flat=True)[: args.due])
    Ticket.objects.filter(pk__in=due).update(last_escalation=now - dt.timedelta(days=3), priority=3, on_hold=False)
    started = timezone.now()
    t = time.perf_counter()
    call_command("escalate_tickets")
    seconds = time.perf_counter() - t
    fired = Ticket.objects.filter(last_escalation__gte=started).count()
    Queue.objects.update(escalate_days=None)
    return {"due": len(due), "fired": fired, "seconds": round(seconds, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--tickets", type=int, default=100_000)
    s.add_argument("--enterprises", type=int, default=10_000)
    s.add_argument("--officers", type=int, default=500)
    s.add_argument("--departments", type=int, default=20)
    s.add_argument("--seed", type=int, default=1)
    c = sub.add_parser("cast")
    c.add_argument("--officers", type=int, default=8)
    e = sub.add_parser("escalate")
    e.add_argument("--due", type=int, default=500)
    args = parser.parse_args()
    result = {"seed": seed, "cast": cast, "escalate": escalate}[args.command](args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
