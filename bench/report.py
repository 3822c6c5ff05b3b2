"""Issue #7's benchmark alone: the monthly officer report and its CSV export over HTTP
(gunicorn, 2 workers), one request at a time, against the seeded zone database, plus the
CPU time of the report's Python part in process.

    .venv/bin/python bench/report.py [--runs 10]     # BENCH_DATABASE_URL as for run.py

The database must be seeded (bench/run.py or bench/seed.py). The cache is the shipped one:
Redis at REDIS_URL, or a private Redis started for the run as bench/run.py does."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    Request,
    drive,
    fetch,
    free_port,
    require_redis_cache,
    start_gunicorn,
    start_private_redis,
    stop,
    summary,
    wait_until,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_zone")
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.settings")
    redis, data_dir = start_private_redis()
    try:
        return measure(args.runs)
    finally:
        if redis is not None:
            stop(redis)
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def measure(runs: int) -> int:
    import django

    django.setup()
    require_redis_cache()

    from bench.queries import REPORT, REPORT_CSV
    from reports import period_from_params, report_for
    from servicedesk.models import User
    from servicedesk.services import api_token_create

    manager = User.objects.filter(role=User.Role.MANAGER, park__isnull=True, department__isnull=True).order_by("pk")[0]
    token = api_token_create(user=manager, name="bench")[1]
    period = period_from_params({"period": "month"})
    report_for(user=manager, level="officers", period=period)
    cpu = []
    for _ in range(3):
        t = time.process_time()
        report_for(user=manager, level="officers", period=period)
        cpu.append((time.process_time() - t) * 1000)
    print(f"report_for in process: Python CPU {statistics.median(cpu):.0f} ms (median of 3)")

    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    gunicorn = start_gunicorn(port, env)
    try:

        def up() -> bool:
            try:
                return asyncio.run(fetch(port, Request("GET", "/healthz")))[0] == 200
            except OSError:
                return False

        wait_until(up, 60, "gunicorn")
        drive(port, [Request("GET", REPORT, token)], 1)
        for name, path in (("report", REPORT), ("report_csv", REPORT_CSV)):
            r = drive(port, [Request("GET", path, token) for _ in range(runs)], 1)
            print(f"{name:<11} {summary(r['latencies'], r['wall_s'], runs, 1, r['errors'])}", flush=True)
    finally:
        stop(gunicorn)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
