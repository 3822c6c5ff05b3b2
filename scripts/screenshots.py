"""The README's pictures: a fresh demo desk, Chromium through Playwright, one PNG per page.

    python scripts/screenshots.py [--out docs/screenshots]     # or: make screenshots

A throwaway SQLite database in a temporary folder (or DATABASE_URL when set: then the demo
users must exist with DEMO_PASSWORD or be created now), `migrate` and `seed_demo`, then
`runserver` on a free 127.0.0.1 port with DEBUG off, and an embedded Redis unless REDIS_URL is
set (scripts/stack.py). Each role signs in through the login form; pages are shot in Chinese at
1280×800 (full page, cut at 2000 px), a few in English and a few at phone width (390×844).
Everything the script starts is stopped by its pid at the end, and the temporary folder goes.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stack  # scripts/stack.py, beside this file (run as a file, its folder is on sys.path)

ROOT = stack.ROOT
CHROMIUM = "/usr/bin/chromium"
LOGINS = ROOT / ".run" / "demo-logins.txt"  # where seed_demo writes its table
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
LANGUAGE_COOKIE = "django_language"  # settings.LANGUAGE_COOKIE_NAME (Django's default)

# The tickets to show: the chief officer's ticket with the most replies, and another of company1's.
PICK_TICKETS = """
import json
from django.db.models import Count, Q
from tickets.models import EventKind, Ticket
replied = Count("events", filter=Q(events__kind=EventKind.REPLIED))
def pick(*, but=None, **scope):
    t = Ticket.objects.filter(**scope).exclude(number=but).annotate(n=replied).order_by("-n", "-id").first()
    return t.number if t else None
officer = pick(assignee__username="officer1")
print(json.dumps({"officer": officer, "enterprise": pick(enterprise__users__username="company1", but=officer)}))
"""


@dataclass(frozen=True)
class Shot:
    name: str
    user: str
    path: str
    language: str = "zh-hans"
    phone: bool = False
    max_height: int = 2000  # px: a long list says no more after its first screens


def shots(officer_ticket: str, enterprise_ticket: str) -> list[Shot]:
    return [
        Shot("portal", "company1", "/portal/"),
        Shot("portal-ticket", "company1", f"/tickets/{enterprise_ticket}/"),
        Shot("portal-new", "company1", "/portal/new/"),
        Shot("portal-phone", "company1", "/portal/", phone=True),
        Shot("queue", "officer1", "/work/"),
        Shot("ticket", "officer1", f"/tickets/{officer_ticket}/"),
        Shot("inbox", "officer1", "/inbox/", max_height=700),
        Shot("queue-en", "officer1", "/work/", language="en"),
        Shot("queue-phone", "officer1", "/work/", phone=True, max_height=1600),
        Shot("ticket-phone", "officer1", f"/tickets/{officer_ticket}/", phone=True, max_height=1600),
        Shot("dashboard", "park1", "/dashboard/"),
        Shot("dashboard-en", "park1", "/dashboard/", language="en"),
        Shot("ranking", "park1", "/reports/ranking/", max_height=1400),
        Shot("dispatch", "park1", "/reports/dispatch/"),
        Shot("bulletin", "zone", "/reports/bulletin/", max_height=1300),
        Shot("policies", "zone", "/policies/"),
    ]


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result.stdout


def seed(env: dict[str, str]) -> str:
    """Run seed_demo and return the demo password, read from the logins table it writes. The
    developer's own .run/demo-logins.txt (of their own database) is put back afterwards."""
    previous = LOGINS.read_bytes() if LOGINS.exists() else None
    wanted = env.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
    try:
        if LOGINS.exists():
            LOGINS.unlink()
        manage(env, "seed_demo", f"--password={wanted}")
        if not LOGINS.exists():  # the users existed: their password is DEMO_PASSWORD or unknown
            if env.get("DEMO_PASSWORD"):
                return env["DEMO_PASSWORD"]
            raise SystemExit("the demo users exist already: set DEMO_PASSWORD to their password")
        for line in LOGINS.read_text(encoding="utf-8").splitlines():
            cells = line.split()
            if cells and cells[0] == "company1":
                if "(unchanged)" in line:
                    if env.get("DEMO_PASSWORD"):
                        return env["DEMO_PASSWORD"]
                    raise SystemExit("company1 existed already: set DEMO_PASSWORD to the demo password")
                return cells[-1]
        raise SystemExit(f"no company1 row in {LOGINS}")
    finally:
        if previous is None:
            LOGINS.unlink(missing_ok=True)
        else:
            LOGINS.write_bytes(previous)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"runserver exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310  (http://127.0.0.1 only)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url}/healthz did not answer within {timeout:.0f} s")


@contextmanager
def web_server(env: dict[str, str]) -> Iterator[str]:
    port = stack._free_port()
    log = open(Path(env["SCREENSHOTS_TMP"]) / "runserver.log", "wb")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        print(f"runserver on {url} (pid {proc.pid})", flush=True)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def sign_in(browser: Any, url: str, shot: Shot, password: str) -> Any:
    context = browser.new_context(
        viewport=PHONE if shot.phone else DESKTOP,
        device_scale_factor=1,
        is_mobile=shot.phone,
        has_touch=shot.phone,
        locale="en-US" if shot.language == "en" else "zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": shot.language, "url": url}])
    page = context.new_page()
    page.goto(url + "/accounts/login/")
    page.fill("input[name=username]", shot.user)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) button[type=submit]")
    try:
        page.wait_for_url(lambda u: "/accounts/login/" not in u)
    except Exception:
        text = page.inner_text("body")[:400]
        context.close()
        raise SystemExit(f"{shot.user} could not sign in at {page.url}: {text}") from None
    return context


def take(browser: Any, url: str, shot: Shot, password: str, out: Path) -> Path:
    context = sign_in(browser, url, shot, password)
    try:
        page = context.pages[0]
        response = page.goto(url + shot.path, wait_until="networkidle")
        if response is None or response.status != 200:
            raise SystemExit(f"{shot.path} as {shot.user}: HTTP {response.status if response else '?'}")
        page.evaluate("document.fonts.ready")
        width = PHONE["width"] if shot.phone else DESKTOP["width"]
        height = min(int(page.evaluate("document.documentElement.scrollHeight")), shot.max_height)
        target = out / f"{shot.name}.png"
        page.screenshot(path=str(target), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
        return target
    finally:
        context.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder of the PNGs")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="screenshots-"))
    started = time.monotonic()
    try:
        with stack.redis_server():
            env = {**os.environ, "DJANGO_DEBUG": "0", "SCREENSHOTS_TMP": str(tmp)}
            env.setdefault("MEDIA_ROOT", str(tmp / "media"))
            if not env.get("DATABASE_URL"):
                env["SQLITE_PATH"] = str(tmp / "db.sqlite3")
            print("migrate and seed_demo …", flush=True)
            manage(env, "migrate", "--no-input")
            password = seed(env)
            tickets = json.loads(manage(env, "shell", "-c", PICK_TICKETS).strip().splitlines()[-1])
            if not tickets["officer"] or not tickets["enterprise"]:
                raise SystemExit(f"the demo has no tickets to show: {tickets}")
            with web_server(env) as url, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                try:
                    for shot in shots(tickets["officer"], tickets["enterprise"]):
                        target = take(browser, url, shot, password, out)
                        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}", flush=True)
                finally:
                    browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
