"""The multi-node run: two of everything on one machine, a mixed load across both web
processes, and one of each killed in turn; then the figures, from the database.

Started by tests/scaleout/test_multinode.py (`make scaleout` for minutes, a short mode in
the default suite). Everything is the test's own, on free 127.0.0.1 ports, and stopped by
its own pid: a PostgreSQL primary and its streaming standby (pg_basebackup), a Redis master
and replica under three Sentinels (Debian's redis-server and redis-sentinel), two gunicorn
web processes, two Celery workers, two beats, and a webhook receiver that counts arrivals.

The load (one thread per company): file a ticket, the company's officer accepts, replies and
resolves it, reads the queue; now and then an administrator reads a report (from the
standby). A request that finds its web process gone goes to the other one, as a load
balancer would. The faults, one after another: `kill -9` of a web process, of a worker
(busy: the load keeps it so), of the beat holding the lease, of the Redis master."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.procs import (
    BIN,
    ROOT,
    PostgresCluster,
    SentinelGroup,
    celery,
    free_port,
    postgres_bindir,
    stop,
    wait_for,
)

DATABASE = "desk"
#: after a Redis master is killed, requests may fail until the Sentinels have promoted the
#: replica and every client has found it: this long after the promotion (the switch window)
REDIS_SWITCH_GRACE = 10.0


@dataclass
class Call:
    kind: str
    started: float
    ended: float
    status: int  # 0: no answer from either web process


@dataclass
class Fault:
    name: str
    at: float
    window: tuple[float, float] | None = None  # when 5xx are expected (the switch window)
    note: str = ""


@dataclass
class Receiver:
    """Counts each webhook POST by event id when it arrives."""

    arrivals: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.arrivals.append(int(json.loads(body)["event_id"]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]  # the run's own SQL


def _p95(values: list[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=20)[-1]


class Cluster:
    """Every process of the run, started and stopped together."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.killed: set[str] = set()
        self.primary: PostgresCluster | None = None
        self.standby: PostgresCluster | None = None
        self.redis = SentinelGroup(workdir / "redis")
        self.receiver = Receiver()
        self.web_ports = [free_port(), free_port()]
        self.env: dict[str, str] = {}

    def start(self, spread: float) -> dict[str, object]:
        bindir = postgres_bindir()
        assert bindir is not None
        self.primary = PostgresCluster(bindir)
        self.primary.init()
        self.primary.start()
        self.primary.create_database(DATABASE)
        self.redis.start()
        hook = self.receiver.start()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CACHE_"))},
            "DATABASE_URL": self.primary.url(DATABASE),
            "REDIS_URL": self.redis.url,
            "REDIS_SENTINEL_MASTER": SentinelGroup.MASTER,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": "celery",
            "SLA_SWEEP_SECONDS": "2",
            "BEAT_LEASE_RETRY_SECONDS": "2",
            "NOTIFICATIONS_SWEEP_GRACE": "0",
            "NOTIFICATIONS_CLAIM_SECONDS": "6",
            "NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS": "127.0.0.1/32",  # the local webhook receiver
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
        }
        run = {"cwd": ROOT, "env": self.env, "check": True, "timeout": 300, "capture_output": True, "text": True}
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], **run)  # type: ignore[call-overload]
        world_args = [sys.executable, "-m", "tests.scaleout.multinode_world", hook, "20", str(spread)]
        seeded = subprocess.run(world_args, **run)  # type: ignore[call-overload]
        world: dict[str, object] = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.standby = self.primary.standby()
        self.standby.start()
        self.env["DATABASE_REPLICA_URL"] = self.standby.url(DATABASE)
        for n, port in enumerate(self.web_ports):
            self._spawn(
                f"web{n}",
                [
                    str(BIN / "gunicorn"),
                    "config.wsgi:application",
                    "-b",
                    f"127.0.0.1:{port}",
                    *("-w", "1", "--threads", "4", "--timeout", "30"),
                ],
            )
        for n in range(2):
            self.procs[f"worker{n}"] = self._worker(n)
        for n in range(2):
            self.procs[f"beat{n}"] = celery(
                ["beat", "--loglevel=INFO", "--pidfile="], self.env, log=self.dir / f"beat{n}.log"
            )
        for port in self.web_ports:
            wait_for(lambda p=port: self.ready(p), 90, f"web on {port}", every=0.3)  # type: ignore[misc]
        wait_for(lambda: self.lease_holder() is not None, 60, "a beat to hold the lease", every=0.3)
        return world

    def _worker(self, n: int) -> subprocess.Popen[bytes]:
        args = ["worker", "--pool=threads", "--concurrency=2", "--loglevel=WARNING", "--without-gossip"]
        args += ["--without-mingle", "-n", f"multinode{n}-{uuid.uuid4().hex[:6]}@%h"]
        return celery(args, self.env, log=self.dir / f"worker{n}.log")

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=log)

    def ready(self, port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as response:
                return int(response.status) == 200
        except (OSError, urllib.error.HTTPError):
            return False

    def lease_holder(self) -> str | None:
        holders = []
        for n in range(2):
            name = f"beat{n}"
            if self.procs[name].poll() is None and "holding the lease" in (self.dir / f"{name}.log").read_text(
                errors="replace"
            ):
                holders.append(name)
        return holders[-1] if holders else None

    def kill(self, name: str) -> None:
        os.kill(self.procs[name].pid, signal.SIGKILL)  # only a process this run started
        self.procs[name].wait(timeout=10)
        self.killed.add(name)

    def supervise(self) -> list[str]:
        """Start again a worker that exited though nobody killed it, as systemd's
        `Restart=always` does in production (docs/operations.md): Celery's consumer can exit
        when the broker's master changes under it. Returns what was restarted."""
        restarted = []
        for n in range(2):
            name = f"worker{n}"
            proc = self.procs[name]
            if name in self.killed or proc.poll() is None:
                continue
            self.procs[name] = self._worker(n)
            restarted.append(f"{name} (exit {proc.returncode})")
        return restarted

    def stop(self) -> None:
        for proc in self.procs.values():
            stop(proc)
        self.redis.stop()
        self.receiver.stop()
        if self.standby is not None:
            self.standby.destroy()
        if self.primary is not None:
            self.primary.destroy()


class Load:
    """One thread per company, across both web processes."""

    def __init__(self, cluster: Cluster, world: dict[str, object]) -> None:
        self.cluster = cluster
        self.world = world
        self.calls: list[Call] = []
        self.filed: dict[str, int] = {}  # title → id the client was given
        self.switched = 0
        self.lock = threading.Lock()
        self.down: set[int] = set()
        self.stop_at = 0.0

    def request(
        self, method: str, path: str, token: str, body: dict[str, object] | None, turn: int
    ) -> tuple[int, dict[str, object] | None]:
        ports = self.cluster.web_ports
        order = [ports[turn % 2], ports[(turn + 1) % 2]]
        order.sort(key=lambda p: p in self.down)
        data = json.dumps(body).encode() if body is not None else None
        for port in order:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                data=data,
                method=method,
                headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    raw = response.read()
                    return int(response.status), (json.loads(raw) if raw else None)
            except urllib.error.HTTPError as exc:
                return int(exc.code), None
            except (ConnectionError, urllib.error.URLError, OSError):
                with self.lock:  # that web process is gone: the other one takes the request
                    self.down.add(port)
                    self.switched += 1
                if method != "GET":
                    return 0, None  # a write that may have happened is not sent twice
        return 0, None

    def record(self, kind: str, started: float, status: int) -> None:
        with self.lock:
            self.calls.append(Call(kind, started, time.monotonic(), status))

    def client(self, n: int) -> None:
        pair = self.world["clients"][n]  # type: ignore[index]
        company, officer = pair["company"], pair["officer"]
        turn = n
        i = 0
        while time.monotonic() < self.stop_at:
            i += 1
            title = f"mn-{n}-{i}"
            turn += 1
            started = time.monotonic()
            status, body = self.request(
                "POST",
                "/api/v1/tickets/",
                company,
                {"title": title, "description": "d", "kind": "help", "service_item": self.world["item"]},
                turn,
            )
            self.record("file", started, status)
            if status != 201 or body is None:
                time.sleep(0.3)
                continue
            with self.lock:
                self.filed[title] = int(body["id"])  # type: ignore[call-overload]
            pk = body["id"]
            for action, payload in (("accept", {}), ("reply", {"body": "在办"}), ("resolve", {"resolution": "已办结"})):
                turn += 1
                started = time.monotonic()
                status, _ = self.request("POST", f"/api/v1/tickets/{pk}/{action}/", officer, payload, turn)
                self.record(action, started, status)
            turn += 1
            started = time.monotonic()
            self.record("queue", started, self.request("GET", "/api/v1/tickets/?page_size=20", officer, None, turn)[0])
            if i % 5 == 0:
                turn += 1
                started = time.monotonic()
                status, _ = self.request("GET", "/api/v1/reports/officers/", str(self.world["admin"]), None, turn)
                self.record("report", started, status)


@dataclass
class Figures:
    accepted: int
    lost: int
    duplicated: int
    steps_due: int
    steps_once: int
    step_events_repeated: int
    notifications: int
    delivered_once: int
    webhooks: int
    webhooks_heard: int
    webhook_repeats: int
    server_errors: int
    server_errors_outside_windows: int
    no_answer_outside_windows: int
    switched: int
    requests: int
    faults: list[Fault]
    p95: list[tuple[str, float | None, float | None, float | None]]
    takeover_seconds: float | None
    failover_seconds: float | None

    def report(self) -> str:
        lines = [
            f"requests {self.requests}, switched to the other web process {self.switched}",
            f"tickets accepted {self.accepted}, lost {self.lost}, duplicated {self.duplicated}",
            f"escalation steps due {self.steps_due}, taken once {self.steps_once}"
            f" (repeated step events {self.step_events_repeated})",
            f"notifications {self.notifications}, delivered once {self.delivered_once};"
            f" webhooks {self.webhooks}, heard {self.webhooks_heard}, heard twice {self.webhook_repeats}",
            f"5xx {self.server_errors}, outside switch windows {self.server_errors_outside_windows};"
            f" unanswered outside switch windows {self.no_answer_outside_windows}",
            f"beat take-over {self.takeover_seconds and round(self.takeover_seconds, 1)} s;"
            f" Redis failover {self.failover_seconds and round(self.failover_seconds, 1)} s",
            "p95 latency (ms) before / during (5 s) / after each fault:",
        ]
        for name, before, during, after in self.p95:
            ms = lambda v: "-" if v is None else f"{v * 1000:.0f}"  # noqa: E731
            lines.append(f"  {name:<12} {ms(before):>6} / {ms(during):>6} / {ms(after):>6}")
        return "\n".join(lines)


def run(seconds: float, workdir: Path, clients: int = 4, say: Callable[[str], None] = print) -> Figures:
    cluster = Cluster(workdir)
    faults: list[Fault] = []
    takeover = failover = None
    try:
        setup = time.monotonic()
        world = cluster.start(spread=0.6 * seconds)
        say(f"two of everything up in {time.monotonic() - setup:.0f} s")
        load = Load(cluster, world)
        began = time.monotonic()
        load.stop_at = began + seconds
        threads = [threading.Thread(target=load.client, args=(n,), daemon=True) for n in range(clients)]
        for thread in threads:
            thread.start()

        def at(fraction: float) -> None:
            time.sleep(max(0.0, began + seconds * fraction - time.monotonic()))

        at(0.2)
        # the requests in flight on the killed process get no answer: a one-second window
        faults.append(Fault("web kill -9", time.monotonic(), window=(time.monotonic(), time.monotonic() + 1.0)))
        cluster.kill("web0")
        say("killed web0")
        at(0.4)
        faults.append(Fault("worker kill", time.monotonic()))
        cluster.kill("worker0")
        say("killed worker0")
        at(0.55)
        holder = cluster.lease_holder()
        assert holder is not None
        other = "beat1" if holder == "beat0" else "beat0"
        killed = time.monotonic()
        faults.append(Fault("beat (lease)", killed, note=holder))
        cluster.kill(holder)
        say(f"killed {holder}, the lease holder")
        wait_for(
            lambda: "holding the lease" in (workdir / f"{other}.log").read_text(errors="replace"), 60, "the take-over"
        )
        takeover = time.monotonic() - killed
        at(0.7)
        killed = time.monotonic()
        failover = cluster.redis.kill_master()
        faults.append(Fault("redis master", killed, window=(killed, time.monotonic() + REDIS_SWITCH_GRACE)))
        say(f"killed the Redis master; promoted after {failover:.1f} s")
        for thread in threads:
            thread.join(timeout=seconds + 120)
        ended = time.monotonic()

        # drain: what the kills left pending goes out through the retry sweep
        db = cluster.primary.url(DATABASE)  # type: ignore[union-attr]

        def settled() -> bool:
            pending = _rows(db, "SELECT count(*) FROM notifications_notification WHERE status <> 'sent'")[0][0]
            fired = _rows(db, f"SELECT count(*) FROM tickets_escalation WHERE ticket_id IN ({_ids(world['late'])})")
            return pending == 0 and fired[0][0] >= 2 * len(world["late"])  # type: ignore[arg-type, operator]

        deadline = time.monotonic() + 120
        drain = time.monotonic()
        while not settled() and time.monotonic() < deadline:
            for restarted in cluster.supervise():
                say(f"{restarted} exited by itself; started again, as its supervisor would")
            with contextlib.suppress(subprocess.SubprocessError):
                celery(["call", "notifications.tasks.notification_retry_pending"], cluster.env).wait(timeout=30)
            time.sleep(3)
        say(f"drained in {time.monotonic() - drain:.0f} s")
        return _figures(db, world, load, faults, cluster.receiver, ended, takeover, failover)
    finally:
        cluster.stop()


def _ids(values: object) -> str:
    return ",".join(str(int(v)) for v in values) or "0"  # type: ignore[attr-defined]


def _figures(
    db: str,
    world: dict[str, object],
    load: Load,
    faults: list[Fault],
    receiver: Receiver,
    ended: float,
    takeover: float | None,
    failover: float | None,
) -> Figures:
    tickets = _rows(db, "SELECT id, title FROM tickets_ticket WHERE title LIKE 'mn-%'")
    by_title: dict[str, list[int]] = {}
    for pk, title in tickets:
        by_title.setdefault(str(title), []).append(int(pk))  # type: ignore[call-overload]
    lost = sum(1 for title, pk in load.filed.items() if pk not in by_title.get(title, []))
    duplicated = sum(len(ids) - 1 for ids in by_title.values())
    late = _ids(world["late"])
    steps = _rows(
        db,
        "SELECT count(*), count(DISTINCT (ticket_id, kind, level, version))"
        f" FROM tickets_escalation WHERE ticket_id IN ({late})",
    )[0]
    escalated = f"SELECT count(*) FROM tickets_ticketevent WHERE kind = 'escalated' AND ticket_id IN ({late})"
    events = _rows(db, escalated)[0][0]
    rows = _rows(db, "SELECT id, status, channel, event_id, dedup_key FROM notifications_notification")
    delivered_once = sum(1 for _, status, *_ in rows if status == "sent")
    dedup_unique = len({r[4] for r in rows}) == len(rows)
    hooks = [int(r[3]) for r in rows if r[2] == "webhook"]  # type: ignore[call-overload]
    heard = list(receiver.arrivals)
    windows = [f.window for f in faults if f.window]
    inside = lambda c: any(lo <= c.ended and c.started <= hi for lo, hi in windows)  # noqa: E731
    errors = [c for c in load.calls if c.status >= 500]
    silent = [c for c in load.calls if c.status == 0]
    p95 = []
    times = [f.at for f in faults]
    for i, fault in enumerate(faults):
        # before: since the last fault settled; during: the next 5 s; after: until the next fault
        previous = times[i - 1] + 5 if i else 0.0
        nxt = times[i + 1] if i + 1 < len(times) else ended
        lat = lambda lo, hi: [c.ended - c.started for c in load.calls if lo <= c.started < hi and c.status]  # noqa: E731
        p95.append(
            (
                fault.name,
                _p95(lat(previous, fault.at)),
                _p95(lat(fault.at, fault.at + 10)),
                _p95(lat(fault.at + 10, nxt)),
            )
        )
    assert dedup_unique, "two outbox rows with one dedup key"
    return Figures(
        accepted=len(load.filed),
        lost=lost,
        duplicated=duplicated,
        steps_due=2 * len(world["late"]),  # type: ignore[arg-type]
        steps_once=int(steps[1]),  # type: ignore[call-overload]
        step_events_repeated=int(events) - int(steps[0]),  # type: ignore[call-overload]
        notifications=len(rows),
        delivered_once=delivered_once,
        webhooks=len(hooks),
        webhooks_heard=len(set(heard) & set(hooks)),
        webhook_repeats=len(heard) - len(set(heard)),
        server_errors=len(errors),
        server_errors_outside_windows=sum(1 for c in errors if not inside(c)),
        no_answer_outside_windows=sum(1 for c in silent if not inside(c)),
        switched=load.switched,
        requests=len(load.calls),
        faults=faults,
        p95=p95,
        takeover_seconds=takeover,
        failover_seconds=failover,
    )
