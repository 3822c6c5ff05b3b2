"""`make load`: the load test, bounded and on 127.0.0.1 only.

    DATABASE_URL=postgres://user@host:5432/name python bench/load/run.py

Creates a database of its own next to DATABASE_URL's (`<name>_load`, dropped at the end
unless LOAD_KEEP_DB=1), starts a Redis of its own, migrates, seeds the demo world
(`manage.py seed_demo`) and gives every user an API token, then starts gunicorn (2 sync
workers, as in the Dockerfile) and a Celery worker and runs locust headless: LOAD_USERS users
(200) for LOAD_SECONDS (120). Results go to .run/load/ (locust's CSV, result.json); the last
line printed is the Markdown row for docs/benchmarks.md. Exits non-zero on any failed request.
Refuses SQLite."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.procs import BIN, RedisServer, free_port, stop, wait_for  # noqa: E402

OUT = ROOT / ".run" / "load"

# API tokens named "load" for every user, replacing an earlier run's (only digests are stored).
TOKENS_SCRIPT = """
import json, sys
from servicedesk.models import ApiToken, User
out = {}
for role in ("enterprise", "officer", "manager"):
    users = list(User.objects.filter(role=role, is_active=True).order_by("pk").values_list("pk", flat=True))
    ApiToken.objects.filter(user_id__in=users, name="load").delete()
    issued = [ApiToken.new(user_id=pk, name="load") for pk in users]
    ApiToken.objects.bulk_create([row for row, _key in issued], batch_size=1000)
    out[role] = [key for _row, key in issued]
print(json.dumps(out))
"""


def _database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - 127.0.0.1
            return int(response.status) == 200
    except OSError:
        return False


def _summary(prefix: Path) -> dict[str, object]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": round(float(total["Requests/s"]), 1),
        "p50_ms": int(float(total["50%"])),
        "p95_ms": int(float(total["95%"])),
        "p99_ms": int(float(total["99%"])),
        "max_ms": int(float(total["Max Response Time"])),
        "per_endpoint": {
            r["Type"] + " " + r["Name"]: {"requests": int(r["Request Count"]), "p99_ms": int(float(r["99%"] or 0))}
            for r in rows
            if r["Name"] != "Aggregated"
        },
    }


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("make load needs PostgreSQL: set DATABASE_URL=postgres://user@127.0.0.1:5432/name", file=sys.stderr)
        return 2
    if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        print("make load runs against 127.0.0.1 only", file=sys.stderr)
        return 2
    users = int(os.environ.get("LOAD_USERS", "200"))
    seconds = int(os.environ.get("LOAD_SECONDS", "120"))
    threads = int(os.environ.get("LOAD_THREADS", "1"))
    name = (urlsplit(url).path.lstrip("/") or "servicedesk") + "_load"
    db = _database(url, name)
    OUT.mkdir(parents=True, exist_ok=True)
    _admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(url, f'CREATE DATABASE "{name}"')
    redis = RedisServer(OUT / "redis")
    redis.start()
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "REDIS_URL": redis.url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": "celery",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }
    procs: list[subprocess.Popen[bytes]] = []
    logs = open(OUT / "servers.log", "wb")  # noqa: SIM115 - closed in finally
    try:
        run = {"cwd": ROOT, "env": env, "check": True}
        print(f"database {name}, redis {redis.url}: migrating and seeding", flush=True)
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], **run)  # type: ignore[call-overload]
        subprocess.run([sys.executable, "manage.py", "seed_demo"], stdout=subprocess.DEVNULL, **run)  # type: ignore[call-overload]
        tokens = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", TOKENS_SCRIPT], capture_output=True, text=True, **run
        )  # type: ignore[call-overload]
        (OUT / "tokens.json").write_text(tokens.stdout.strip().splitlines()[-1], encoding="utf-8")
        counts = {k: len(v) for k, v in json.loads((OUT / "tokens.json").read_text(encoding="utf-8")).items()}
        officers = min(counts["officer"], max(1, users * 15 // 100))
        managers = min(counts["manager"], max(1, users * 5 // 100))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        procs.append(
            subprocess.Popen(
                [
                    *(str(BIN / "gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{port}"),
                    # the production shape (Dockerfile): two sync workers, no keep-alive; with
                    # LOAD_THREADS, threaded workers keeping connections longer than a user's pause
                    *("--workers", "2", "--timeout", "60", "--log-level", "warning"),
                    *(("--threads", str(threads), "--keep-alive", "10") if threads > 1 else ()),
                ],
                cwd=ROOT,
                env=env,
                stdout=logs,
                stderr=logs,
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    *(str(BIN / "celery"), "-A", "config", "worker", "--pool=threads", "--concurrency=2"),
                    *("--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=ROOT,
                env=env,
                stdout=logs,
                stderr=logs,
            )
        )
        wait_for(lambda: _healthy(base), 60, "gunicorn", every=0.3)
        prefix = OUT / "locust"
        print(f"locust: {users} users ({officers} officers, {managers} managers) for {seconds} s on {base}", flush=True)
        locust = subprocess.run(
            [
                *(str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless"),
                *("-u", str(users), "-r", str(max(1, users // 20)), "-t", f"{seconds}s", "--host", base),
                *("--csv", str(prefix), "--only-summary", "--stop-timeout", "15", "--loglevel", "WARNING"),
            ],
            cwd=ROOT,
            env={
                **env,
                "LOAD_TOKENS": str(OUT / "tokens.json"),
                "LOAD_OFFICERS": str(officers),
                "LOAD_MANAGERS": str(managers),
            },
            check=False,
            timeout=seconds + 180,
        )
    finally:
        for proc in procs:
            stop(proc, timeout=20)
        logs.close()
        redis.stop()
        if os.environ.get("LOAD_KEEP_DB") != "1":
            time.sleep(0.5)
            _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": users,
        "seconds": seconds,
        "gunicorn": f"2 workers x {threads} thread(s)",
        "cpus": os.cpu_count(),
        **_summary(prefix),
    }
    (OUT / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result["per_endpoint"], indent=1, ensure_ascii=False))
    print(
        f"| {result['date']} | {users} users, {seconds} s, gunicorn 2×{threads} "
        f"| {result['requests']} | {result['rps']} "
        f"| {result['p50_ms']} | {result['p95_ms']} | {result['p99_ms']} | {result['failures']} |"
    )
    failed = bool(result["failures"]) or locust.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
