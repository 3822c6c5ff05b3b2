"""A zone-scale dataset for the benchmarks, written with PostgreSQL COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_zone \\
        .venv/bin/python bench/seed.py --tickets 1000000 --seed 1 --force

The default is the zone of issue #9: 10,000 enterprises (one user each), 500 officers in 20
departments, 5 parks, 1,000,000 tickets over the 3 years up to `--end` (default: now), about
5 events a ticket, two deadline versions a ticket, ratings, escalations, supervision orders,
visits and the in-app notifications of the last 180 days. The same `--seed` and `--end` give
the same rows. Spreads: tickets are filed on working days (the statutory holidays and 调休 of
the chinesecalendar package) in office hours; 3 % of them are still open (the recent ones),
2 % resolved and waiting for a rating, 3 % withdrawn, the rest closed; priorities 10/72/13/5 %
low/normal/high/urgent; 6 % of the tickets breached a deadline (warning and breach
escalations), a sixth of those got a 督办.

The database is dropped and created again (`--force` when it exists), migrated, filled with
the triggers off (`session_replication_role = replica`: no foreign-key checks, no append-only
trigger, as a restore does), its sequences set past the rows, then ANALYZEd. PostgreSQL only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import textsearch  # noqa: E402  (the project's own package, from ROOT)
from demo import texts  # noqa: E402  (the demo's words: the phrasings per service item)

UTC = dt.UTC
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CHUNK = 1 << 20  # bytes per COPY write

KINDS = [("enquiry", 30), ("help", 50), ("complaint", 10), ("suggestion", 10)]
PRIORITIES = [("low", 0, 10), ("normal", 1, 72), ("high", 2, 13), ("urgent", 3, 5)]
RESOLVE_DAYS = {"enquiry": 2, "help": 10, "complaint": 15, "suggestion": 10}
PARKS = [
    ("zhengzhou", "郑州台商工业园"),
    ("puyang", "濮阳工业园区"),
    ("jining", "济宁高新区"),
    ("east", "东区"),
    ("west", "西区"),
]


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows (tuples of str/int/bool/None, already in PostgreSQL's text form) into table."""
    n = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        buf = io.StringIO()
        for row in rows:
            buf.write(
                "\t".join(r"\N" if v is None else ("t" if v is True else "f" if v is False else str(v)) for v in row)
            )
            buf.write("\n")
            n += 1
            if buf.tell() > CHUNK:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())
    return n


def ts(epoch: float) -> str:
    return dt.datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def credit_code(n: int) -> str:
    from servicedesk.validators import credit_code_check_char

    alphabet = "0123456789"
    digits = ""
    value = n
    for _ in range(9):
        digits = alphabet[value % 10] + digits
        value //= 10
    first17 = "91410200" + digits
    return first17 + credit_code_check_char(first17)


def recreate_database(url: str, force: bool) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not force:
            raise SystemExit(f"database {name} exists: pass --force to drop and recreate it")
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class Seeder:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.end = args.end
        self.start = self.end - dt.timedelta(days=3 * 365)
        self.timings: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def timed(self, label: str, fn: Callable[[], int | None]) -> None:
        t = time.perf_counter()
        n = fn()
        self.timings[label] = time.perf_counter() - t
        if n is not None:
            self.counts[label] = n
        extra = f" {n:>10,} rows" if n is not None else ""
        print(f"  {label:<28}{extra}  {self.timings[label]:7.1f} s", flush=True)

    # --- the organisation --------------------------------------------------------------------

    def organisation(self, cur: Any) -> None:
        a, rng = self.args, self.rng
        joined = ts(self.start.timestamp() - 86400 * 30)
        copy_rows(
            cur, "servicedesk_zone", ["id", "name", "name_en", "code"], [(1, "高新技术产业开发区", "Zone", "zone")]
        )
        parks = PARKS[: a.parks] + [(f"park{i}", f"园区{i}") for i in range(len(PARKS), a.parks)]
        copy_rows(
            cur,
            "servicedesk_park",
            ["id", "zone_id", "name", "name_en", "code"],
            [(i + 1, 1, name, code, code) for i, (code, name) in enumerate(parks)],
        )
        self.park_ids = list(range(1, a.parks + 1))
        copy_rows(
            cur,
            "servicedesk_department",
            ["id", "zone_id", "park_id", "name", "name_en", "code"],
            [(i + 1, 1, None, f"部门{i + 1}", f"dept {i + 1}", f"dept{i + 1}") for i in range(a.departments)],
        )
        from demo.management.commands.seed_demo import SERVICE_ITEMS

        self.items: list[tuple[int, int, int]] = []  # (id, department, resolve days or 0)
        self.item_codes: dict[int, str] = {}  # id → the demo catalogue's code its tickets are written as
        rows = []
        for i in range(a.departments * 2):
            dept = i % a.departments + 1
            resolve = rng.choice(["", "", "5d", "10d", "15d"])
            code, name, name_en = SERVICE_ITEMS[i % len(SERVICE_ITEMS)][:3]
            if i >= len(SERVICE_ITEMS):  # the catalogue once more, in other departments
                name, name_en = f"{name}（{dept}）", f"{name_en} ({dept})"
            rows.append((i + 1, f"item-{i + 1}", name, name_en, "", dept, "1d", resolve, "working", True))
            self.items.append((i + 1, dept, int(resolve[:-1]) if resolve else 0))
            self.item_codes[i + 1] = code
        copy_rows(
            cur,
            "servicedesk_serviceitem",
            [
                "id",
                "code",
                "name",
                "name_en",
                "description",
                "department_id",
                "accept_limit",
                "resolve_limit",
                "clock",
                "is_active",
            ],
            rows,
        )
        user_cols = ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff"]
        user_cols += ["is_active", "date_joined", "role", "display_name", "phone", "language", "on_leave"]
        user_cols += ["deputy_id", "department_id", "enterprise_id", "park_id"]
        users: list[tuple[object, ...]] = []

        def user(
            username: str, role: str, dept: int | None = None, ent: int | None = None, park: int | None = None
        ) -> int:
            uid = len(users) + 1
            users.append(
                (
                    uid,
                    "!bench",
                    False,
                    username,
                    "",
                    "",
                    "",
                    False,
                    True,
                    joined,
                    role,
                    username,
                    "",
                    "zh-hans",
                    False,
                    None,
                    dept,
                    ent,
                    park,
                )
            )
            return uid

        self.admin = user("bench-admin", "admin")
        self.zone_manager = user("bench-zone", "manager")
        self.park_managers = {p: user(f"bench-park{p}", "manager", park=p) for p in self.park_ids}
        self.heads = [user(f"bench-head{d}", "manager", dept=d) for d in range(1, a.departments + 1)]
        self.officers = [
            user(f"bench-officer{i + 1}", "officer", dept=i % a.departments + 1) for i in range(a.officers)
        ]
        self.officer_dept = {o: (i % a.departments) + 1 for i, o in enumerate(self.officers)}
        # enterprises: chief officer round robin, deputy the next officer
        ent_rows = []
        self.enterprises: list[tuple[int, int, int]] = []  # (id, park, chief)
        for e in range(a.enterprises):
            chief = self.officers[e % len(self.officers)]
            deputy = self.officers[(e + 1) % len(self.officers)]
            park = self.park_ids[e % len(self.park_ids)]
            ent_rows.append(
                (
                    e + 1,
                    f"企业{e + 1}有限公司",
                    credit_code(e + 1),
                    "制造业",
                    "",
                    "",
                    "",
                    "",
                    joined,
                    chief,
                    deputy,
                    park,
                )
            )
            self.enterprises.append((e + 1, park, chief))
        self.enterprise_users = [user(f"bench-company{e + 1}", "enterprise", ent=e + 1) for e in range(a.enterprises)]
        copy_rows(cur, "servicedesk_user", user_cols, users)
        copy_rows(
            cur,
            "servicedesk_enterprise",
            [
                "id",
                "name",
                "credit_code",
                "industry",
                "address",
                "contact_name",
                "contact_phone",
                "contact_email",
                "created_at",
                "chief_officer_id",
                "deputy_officer_id",
                "park_id",
            ],
            ent_rows,
        )
        self.counts["users"] = len(users)
        self.counts["enterprises"] = len(ent_rows)

    # --- tickets and everything hanging off them -----------------------------------------------

    def working_instants(self, n: int) -> list[float]:
        """n filing times in office hours of working days (holidays and 调休 included), sorted."""
        import chinese_calendar

        days = []
        day = self.start.astimezone(SHANGHAI).date()
        last = self.end.astimezone(SHANGHAI).date()
        while day <= last:
            try:
                if chinese_calendar.is_workday(day):
                    days.append(day)
            except NotImplementedError:  # a year the package does not know yet
                if day.isoweekday() <= 5:
                    days.append(day)
            day += dt.timedelta(days=1)
        # a mild growth over the three years: later days get more tickets
        weights = [1.0 + i / len(days) for i in range(len(days))]
        picked = self.rng.choices(days, weights=weights, k=n)
        end = self.end.timestamp()
        out = []
        for d in picked:
            base = dt.datetime(d.year, d.month, d.day, tzinfo=SHANGHAI).timestamp()
            minute = self.rng.choice(
                (self.rng.randint(9 * 60, 12 * 60 - 1), self.rng.randint(13 * 60 + 30, 17 * 60 + 29))
            )
            t = base + minute * 60 + self.rng.randint(0, 59)
            out.append(min(t, end - 3600))
        out.sort()
        return out

    def tickets(self, cur: Any) -> None:
        a, rng = self.args, self.rng
        end = self.end.timestamp()
        created = self.working_instants(a.tickets)
        kinds = [k for k, _ in KINDS]
        kind_w = [w for _, w in KINDS]
        pris = [(p, r) for p, r, _ in PRIORITIES]
        pri_w = [w for _, _, w in PRIORITIES]
        t_cols = ["id", "number", "title", "description", "kind", "priority", "priority_rank", "status", "channel"]
        t_cols += ["accept_due_at", "resolve_due_at", "accepted_at", "first_response_at", "resolved_at", "closed_at"]
        t_cols += ["suspended_at", "returned_at", "resolution", "overdue", "escalation_level", "deadline_version"]
        t_cols += ["extension_count", "reopen_count", "is_rectification", "rating", "created_at", "updated_at"]
        t_cols += ["assignee_id", "created_by_id", "department_id", "enterprise_id", "owner_id", "park_id"]
        t_cols += ["service_item_id", "search_document", "first_response_seconds", "resolution_seconds"]
        e_cols = ["id", "ticket_id", "actor_id", "kind", "public", "body", "data", "created_at"]
        d_cols = ["id", "ticket_id", "kind", "version", "clock", "started_at", "due_at", "next_step_at", "next_level"]
        d_cols += ["paused_at", "stopped_at", "created_at"]
        x_cols = ["id", "ticket_id", "deadline_id", "kind", "level", "version", "due_at", "fired_at"]
        r_cols = ["id", "ticket_id", "score", "comment", "is_default", "resolution_round", "rated_by_id", "created_at"]
        r_cols += ["review_verdict", "review_reason", "reviewed_by_id", "reviewed_at"]
        s_cols = ["id", "ticket_id", "escalation_id", "deadline_kind", "reason", "addressed_to_id", "issued_by_id"]
        s_cols += ["answer_due_at", "answer", "answered_by_id", "answered_at", "created_at"]
        n_cols = ["id", "recipient_id", "channel", "event_kind", "topic_type", "topic_id", "topic_label", "event_id"]
        n_cols += ["subject", "body", "payload"]
        n_cols += ["language", "urgent", "status", "attempts", "next_attempt_at", "last_error", "dedup_key"]
        n_cols += ["created_at", "sent_at", "read_at"]

        tickets: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        deadlines: list[tuple[object, ...]] = []
        escalations: list[tuple[object, ...]] = []
        ratings: list[tuple[object, ...]] = []
        orders: list[tuple[object, ...]] = []
        notes: list[tuple[object, ...]] = []
        numbers: dict[int, int] = {}
        ev_id = esc_id = rating_id = order_id = note_id = 0
        notify_from = end - 180 * 86400
        open_from = end - 45 * 86400
        n_ent = len(self.enterprises)

        @functools.lru_cache(maxsize=65536)
        def words(text: str) -> str:
            return textsearch.document(text)

        from tickets.sla import spent
        from tickets.sla.worktime import WorkingTime

        wt = WorkingTime.default()

        def worked(start: float, end: float | None) -> int | None:
            """What the services store with a ticket (tickets.sla.spent): working seconds."""
            if end is None:
                return None
            return spent.seconds(
                wt, dt.datetime.fromtimestamp(int(start), UTC), dt.datetime.fromtimestamp(int(end), UTC)
            )

        # the texts come from their own generator, so the other rows stay those of the seed
        text_rng = random.Random(f"texts-{a.seed}")

        def search_doc(title: str, description: tuple[str, ...], ent_id: int, resolution: str) -> str:
            """What the desk writes into search_document (tickets.search.ticket_document): the
            words of the number, title, description and enterprise name and, once resolved,
            the resolution. The description's parts are cut one by one (cached): their words
            are those of the whole (texts.varied_request ends every part with punctuation)."""
            parts = [textsearch.document(number), words(title), *(words(p) for p in description)]
            parts.append(words(f"企业{ent_id}有限公司"))
            if resolution:
                parts.append(words(resolution))
            return " ".join(p for p in parts if p)

        def event(tid: int, actor: int | None, kind: str, at: float, public: bool = True, body: str = "") -> int:
            nonlocal ev_id
            ev_id += 1
            events.append((ev_id, tid, actor, kind, public, body, "{}", ts(at)))
            return ev_id

        def notify(tid: int, eid: int, user: int, kind: str, at: float, read: bool) -> None:
            """An inbox row about ticket `tid`, the one being written (its number is the loop's `number`)."""
            nonlocal note_id
            if at < notify_from:
                return
            note_id += 1
            sent = ts(at + 2)
            notes.append(
                (
                    note_id,
                    user,
                    "inbox",
                    kind,
                    "ticket",
                    tid,
                    number,
                    eid,
                    "工单通知",
                    "",
                    f'{{"number": "{number}"}}',  # what the inbox's sentence says (COPY text: no escapes needed)
                    "zh-hans",
                    False,
                    "sent",
                    1,
                    ts(at),
                    "",
                    f"{eid}:{user}:inbox",
                    ts(at),
                    sent,
                    ts(at + 3600) if read else None,
                )
            )

        def flush() -> None:
            copy_rows(cur, "tickets_ticket", t_cols, tickets)
            copy_rows(cur, "tickets_ticketevent", e_cols, events)
            copy_rows(cur, "tickets_sladeadline", d_cols, deadlines)
            copy_rows(cur, "tickets_escalation", x_cols, escalations)
            copy_rows(cur, "tickets_rating", r_cols, ratings)
            copy_rows(cur, "tickets_supervisionorder", s_cols, orders)
            copy_rows(cur, "notifications_notification", n_cols, notes)
            for name, rows in (
                ("tickets", tickets),
                ("events", events),
                ("deadlines", deadlines),
                ("escalations", escalations),
                ("ratings", ratings),
                ("supervision orders", orders),
                ("notifications", notes),
            ):
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                rows.clear()

        for i, t0 in enumerate(created):
            tid = i + 1
            ent_id, park, chief = self.enterprises[(i * 7919) % n_ent if rng.random() < 0.7 else rng.randrange(n_ent)]
            ent_user = self.enterprise_users[ent_id - 1]
            item_id, dept, item_days = self.items[rng.randrange(len(self.items))]
            title, description = texts.varied_request(text_rng, self.item_codes[item_id])
            kind = rng.choices(kinds, kind_w)[0]
            priority, rank = rng.choices(pris, pri_w)[0]
            year = dt.datetime.fromtimestamp(t0, SHANGHAI).year
            numbers[year] = numbers.get(year, 0) + 1
            number = f"SD-{year}-{numbers[year]:06d}"
            days = item_days or RESOLVE_DAYS[kind]
            factor = 0.25 if priority == "urgent" else 1.0
            accept_due = t0 + 86400 * 1.4 * factor
            resolve_due = t0 + 86400 * 1.4 * days * factor
            assignee = chief if rng.random() < 0.93 else self.officers[rng.randrange(len(self.officers))]
            owner = chief
            proxy = rng.random() < 0.1
            creator = chief if proxy else ent_user
            age = end - t0
            # the status, by age: the recent tickets are the open ones
            roll = rng.random()
            if t0 >= open_from and roll < 0.55:
                status = rng.choices(["submitted", "in_progress", "waiting_on_enterprise"], [20, 65, 15])[0]
            elif t0 >= end - 20 * 86400 and roll < 0.75:
                status = "resolved"
            elif roll > 0.97:
                status = "withdrawn"
            else:
                status = "closed"
            late = rng.random() < 0.06
            accepted = first = resolved = closed = suspended = None
            rating = None
            overdue = False
            level = 0
            created_eid = event(tid, creator, "created", t0)
            if status != "submitted" and status != "withdrawn":
                accepted = t0 + rng.uniform(600, (accept_due - t0) * (1.3 if late else 0.9))
                accepted = min(accepted, end - 60)
                event(tid, assignee, "accepted", accepted)
                if rng.random() < 0.8:
                    first = min(accepted + rng.uniform(60, 4 * 3600), end - 30)
                    eid = event(tid, assignee, "replied", first, body="已收到，正在办理")
                    notify(tid, eid, ent_user, "replied", first, True)
                else:
                    first = accepted
                if rng.random() < 0.2:
                    event(tid, assignee, "noted", min(first + 600, end - 20), public=False, body="内部备注")
            if status == "withdrawn":
                event(tid, creator, "withdrawn", min(t0 + rng.uniform(600, 3 * 86400), end - 10))
            if status == "waiting_on_enterprise":
                suspended = min((first or t0) + 3600, end - 10)
                event(tid, assignee, "suspended", suspended, body="等待企业补充材料")
            if status in ("resolved", "closed"):
                span = (resolve_due - t0) * (rng.uniform(1.0, 1.6) if late else rng.uniform(0.05, 0.95))
                resolved = min(max(t0 + span, (first or t0) + 60), end - 5)
                eid = event(tid, assignee, "resolved", resolved, body="已办结")
                notify(tid, eid, ent_user, "resolved", resolved, status == "closed")
            if status == "closed":
                closed = min(resolved + rng.uniform(3600, 7 * 86400), end - 1)  # type: ignore[operator]
                default = rng.random() < 0.15
                score = 3 if default else rng.choices([5, 4, 3, 2, 1], [58, 25, 9, 5, 3])[0]
                rating = score
                bad = score <= 2
                rating_id += 1
                checked = bad and rng.random() < 0.9
                ratings.append(
                    (rating_id, tid, score, "" if default else "满意" if score >= 4 else "一般", default, 0)
                    + (None if default else ent_user, ts(closed))
                    + (
                        (rng.choice(["valid", "dismissed"]), "核查", self.park_managers[park], ts(closed + 86400))
                        if checked
                        else ("", "", None, None)
                    )
                )
                if not default:
                    event(tid, ent_user, "rated", closed)
                event(tid, None if default else ent_user, "closed", closed)
            # the deadlines: acceptance v1 and resolution v1
            base_d = 2 * i
            acc_stop = accepted if accepted is not None else (end if status == "withdrawn" else None)
            if status == "withdrawn":
                acc_stop = min(t0 + 3600, end)
            acc_next = None
            acc_level = ""
            if acc_stop is None:  # submitted: the acceptance clock runs
                acc_level = "warning"
                acc_next = max(t0 + 0.75 * (accept_due - t0), end + rng.uniform(600, 86400))
            deadlines.append(
                (
                    base_d + 1,
                    tid,
                    "accept",
                    1,
                    "working",
                    ts(t0),
                    ts(accept_due),
                    ts(acc_next) if acc_next else None,
                    acc_level,
                    None,
                    ts(acc_stop) if acc_stop else None,
                    ts(t0),
                )
            )
            res_stop = resolved if resolved is not None else (min(t0 + 3600, end) if status == "withdrawn" else None)
            res_next = None
            res_level = ""
            paused = None
            if status == "in_progress":
                warn = t0 + 0.75 * (resolve_due - t0)
                if resolve_due < end:
                    overdue, level = True, 2
                    res_level, res_next = "supervision", end + rng.uniform(600, 86400)
                elif warn < end:
                    level = 1
                    res_level, res_next = "breach", resolve_due
                else:
                    res_level, res_next = "warning", warn
            elif status == "waiting_on_enterprise":
                paused = suspended
            deadlines.append(
                (
                    base_d + 2,
                    tid,
                    "resolve",
                    1,
                    "working",
                    ts(t0),
                    ts(resolve_due),
                    ts(res_next) if res_next else None,
                    res_level,
                    ts(paused) if paused else None,
                    ts(res_stop) if res_stop else None,
                    ts(t0),
                )
            )
            if late and resolved is not None and resolved > resolve_due:
                overdue, level = status not in ("closed", "resolved") and overdue, 2
                for lvl, at in (("warning", t0 + 0.75 * (resolve_due - t0)), ("breach", resolve_due)):
                    esc_id += 1
                    escalations.append((esc_id, tid, base_d + 2, "resolve", lvl, 1, ts(resolve_due), ts(at + 30)))
                    eid = event(tid, None, "escalated", at + 30, public=False, body=lvl)
                    notify(tid, eid, assignee, "escalated", at + 30, True)
                if resolved - resolve_due > 86400 and rng.random() < 0.5:
                    esc_id += 1
                    at = resolve_due + 86400
                    escalations.append((esc_id, tid, base_d + 2, "resolve", "supervision", 1, ts(resolve_due), ts(at)))
                    order_id += 1
                    orders.append(
                        (
                            order_id,
                            tid,
                            esc_id,
                            "resolve",
                            "逾期督办",
                            assignee,
                            None,
                            ts(at + 86400 * 2),
                            "已加快办理",
                            assignee,
                            ts(at + 86400),
                            ts(at),
                        )
                    )
                    event(tid, None, "supervised", at, public=False)
                    level = 3
            elif overdue:
                for lvl, at in (("warning", t0 + 0.75 * (resolve_due - t0)), ("breach", resolve_due)):
                    esc_id += 1
                    escalations.append((esc_id, tid, base_d + 2, "resolve", lvl, 1, ts(resolve_due), ts(at + 30)))
                    event(tid, None, "escalated", at + 30, public=False, body=lvl)
            elif level == 1:
                esc_id += 1
                at = t0 + 0.75 * (resolve_due - t0)
                escalations.append((esc_id, tid, base_d + 2, "resolve", "warning", 1, ts(resolve_due), ts(at + 30)))
                event(tid, None, "escalated", at + 30, public=False, body="warning")
            if status != "withdrawn":
                notify(tid, created_eid, assignee, "created", t0, age > 86400)
            updated = max(x for x in (t0, accepted, first, resolved, closed, suspended) if x is not None)
            tickets.append(
                (
                    tid,
                    number,
                    title,
                    "".join(description),
                    kind,
                    priority,
                    rank,
                    status,
                    "proxy" if proxy else "online",
                    ts(accept_due),
                    ts(resolve_due),
                    *tuple(ts(x) if x is not None else None for x in (accepted, first, resolved, closed, suspended)),
                    None,
                    "已办结" if resolved else "",
                    overdue,
                    level,
                    1,
                    0,
                    0,
                    False,
                    rating,
                    ts(t0),
                    ts(updated),
                    assignee,
                    creator,
                    dept,
                    ent_id,
                    owner,
                    park,
                    item_id,
                    search_doc(title, description, ent_id, "已办结" if resolved else ""),
                    worked(t0, first),
                    worked(t0, resolved),
                )
            )
            if len(tickets) >= 20000:
                flush()
                print(f"    {tid:>10,} tickets", end="\r", flush=True)
        flush()
        self.numbers = numbers

    def visits(self, cur: Any) -> int:
        """Each officer visits about one enterprise they serve a week (惠企日 on Thursdays)."""
        rng = self.rng
        rows = []
        by_officer: dict[int, list[int]] = {}
        for ent_id, _park, chief in self.enterprises:
            by_officer.setdefault(chief, []).append(ent_id)
        vid = 0
        week = self.start
        while week < self.end:
            for officer, ents in by_officer.items():
                if rng.random() < 0.8:
                    vid += 1
                    at = week.timestamp() + rng.uniform(0, 7 * 86400)
                    if at >= self.end.timestamp():
                        continue
                    rows.append((vid, rng.choice(ents), officer, ts(at), "on_site", "", "走访", ts(at)))
            week += dt.timedelta(days=7)
        cols = ["id", "enterprise_id", "officer_id", "visited_at", "method", "people_met", "summary", "created_at"]
        return copy_rows(cur, "servicedesk_visit", cols, rows)

    def finish(self, cur: Any) -> None:
        cur.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'id' AND (is_identity = 'YES' OR column_default LIKE 'nextval%%')"
        )
        for (table,) in cur.fetchall():  # names from the catalogue, not from input
            sql = f"SELECT setval(pg_get_serial_sequence('public.{table}', 'id'), "
            sql += f"COALESCE((SELECT max(id) FROM public.{table}), 0) + 1, false)"  # noqa: S608
            cur.execute(sql)
        for year, value in self.numbers.items():
            cur.execute(f"CREATE SEQUENCE IF NOT EXISTS ticket_number_{int(year)}")
            cur.execute("SELECT setval(%s, %s)", [f"ticket_number_{int(year)}", value])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument("--officers", type=int, default=500)
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--parks", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="the random seed (same seed and --end: same rows)")
    parser.add_argument(
        "--end",
        type=lambda s: dt.datetime.fromisoformat(s).astimezone(UTC),
        default=dt.datetime.now(UTC).replace(minute=0, second=0, microsecond=0),
        help="the newest filing time (ISO 8601; default: this hour)",
    )
    parser.add_argument("--force", action="store_true", help="drop the database when it exists")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("PostgreSQL only: set DATABASE_URL=postgres://…/bench_zone")
    total = time.perf_counter()
    print(
        f"seeding {url.rsplit('/', 1)[1]}: {args.tickets:,} tickets, seed {args.seed}, end {args.end:%Y-%m-%d %H:%M}Z"
    )
    recreate_database(url, args.force)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    t = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True)
    years = sorted({args.end.year - 3 + i for i in range(5)})
    load = [sys.executable, "manage.py", "load_calendar"] + [f"--year={y}" for y in years]
    if subprocess.run(load, cwd=ROOT, capture_output=True).returncode != 0:  # a year the package lacks
        subprocess.run(load[:-1], cwd=ROOT, check=True, capture_output=True)
    print(f"  {'migrate + calendar':<28}{'':>16}  {time.perf_counter() - t:7.1f} s", flush=True)

    import django

    django.setup()
    import psycopg

    seeder = Seeder(args)
    with psycopg.connect(url, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        seeder.timed("organisation", lambda: seeder.organisation(cur))
        seeder.timed("tickets and their rows", lambda: seeder.tickets(cur))
        seeder.timed("visits", lambda: seeder.visits(cur))
        seeder.finish(cur)
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        seeder.timed("vacuum analyze", lambda: conn.execute("VACUUM ANALYZE") and None)
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in seeder.counts.items()))
    print(f"done in {time.perf_counter() - total:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
