"""Redis stops while the desk is in use; then it comes back.

The product as production runs it: gunicorn, a worker and beat (the sweep every second) on
the shipped settings, the cache and the broker on a Redis of the test's own (the shared one
is never touched), real throttles. Redis is down for `FAULT_OUTAGE_SECONDS` (10 s here, 60 s
under `make fault`). During the outage: `/healthz` 200, `/readyz` 503 naming the broker, API
reads and writes answer 2xx at once (file, accept, reply, resolve, list), the web sign-in and
the portal's filing form work; breach deadlines fall due that beat cannot sweep. After Redis
returns: every ticket exists once, every due step fired once, every notification was
delivered once."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import time_machine
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from notifications.models import Notification
from servicedesk.services import api_token_create
from tests.factories import PASSWORD
from tests.faults.conftest import Desk, Receiver, assert_delivered_once, outage_seconds, retry_until_sent
from tests.procs import gunicorn, stop, wait_for
from tickets import services
from tickets.models import Escalation, EventKind, SlaDeadline, Ticket, TicketEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LATE_TICKETS = 6
# seconds: no request may wait on the dead Redis longer (a publish retrying on the broker
# would take far more; the margin is for a machine shared with other test runs)
FAST = 6.0


class Api:
    """An API client of one user, over HTTP, timing every call."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        started = time.monotonic()
        response = self.session.request(method, f"{self.base}/api/v1/{path}", json=body, timeout=20)
        took = time.monotonic() - started
        assert response.status_code < 300, (method, path, response.status_code, response.text[:500])
        assert took < FAST, f"{method} {path} took {took:.1f} s"
        return response


def web_sign_in(base: str, username: str) -> requests.Session:
    """Sign in through the web form (CSRF and all), as a person does."""
    web = requests.Session()
    page = web.get(f"{base}/accounts/login/", timeout=20)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    answer = web.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=20,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return web


def portal_file(base: str, web: requests.Session, item: str, title: str) -> None:
    form = web.get(f"{base}/portal/new/", timeout=20)
    assert form.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token
    answer = web.post(
        f"{base}/portal/new/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "service_item": item,
            "title": title,
            "description": "d",
            "kind": "help",
            "priority": "normal",
        },
        headers={"Referer": f"{base}/portal/new/"},
        timeout=20,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    assert "/tickets/" in answer.headers["Location"]


def test_the_desk_works_through_a_redis_outage_and_catches_up_exactly_once(
    desk: Desk, receiver: Receiver, broker, start, stack_env, tmp_path: Path
):  # type: ignore[no-untyped-def]
    outage = outage_seconds()
    # the web sign-in checks the password with the shipped hashers (the tests' own are faster)
    desk.company.password = PBKDF2PasswordHasher().encode(PASSWORD, "faultsalt")
    desk.company.save(update_fields=["password"])
    web_env = {k: v for k, v in stack_env.items() if k != "DB_CONN_MAX_AGE"}  # persistent, as shipped
    web_env["DJANGO_DEBUG"] = "0"  # as production: no technical error pages
    server, base = gunicorn(web_env, tmp_path / "gunicorn.log")
    try:
        start()
        start("beat", "--loglevel=WARNING", "--pidfile=", "-s", str(tmp_path / "beat-schedule"), SLA_SWEEP_SECONDS="1")
        company = Api(base, api_token_create(user=desk.company)[1])
        chief = Api(base, api_token_create(user=desk.chief)[1])

        def file(title: str) -> int:
            response = company.call(
                "POST", "tickets/", {"title": title, "description": "d", "kind": "help", "service_item": desk.item.code}
            )
            assert response.status_code == 201
            return int(response.json()["id"])

        # with Redis up, the pipeline works: filed, sent by the worker
        filed = [file("上线前")]
        wait_for(lambda: not Notification.objects.exclude(status="sent").exists(), 30, "the first delivery")

        # tickets whose acceptance breach (60 s after filing) falls inside the coming outage
        now = timezone.now()
        late: list[int] = []
        for i in range(LATE_TICKETS):
            due_in = 3 + (outage - 5) * i / (LATE_TICKETS - 1)
            with time_machine.travel(now + timedelta(seconds=due_in - 60), tick=False):
                ticket = services.ticket_create(
                    actor=desk.company, title=f"逾期{i}", description="d", kind="help", service_item=desk.item
                )
            late.append(ticket.pk)

        broker.stop()
        down_at = timezone.now()
        down = time.monotonic()
        n = 0
        while time.monotonic() - down < outage:
            assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
            ready = requests.get(f"{base}/readyz", timeout=5)
            assert ready.status_code == 503
            assert ready.json()["failed"] == ["broker"]
            pk = file(f"断线{n}")
            filed.append(pk)
            n += 1
            assert chief.call("GET", "tickets/?status=submitted").json()["count"] >= 1
            chief.call("POST", f"tickets/{pk}/accept/", {})
            chief.call("POST", f"tickets/{pk}/reply/", {"body": "收到"})
            chief.call("POST", f"tickets/{pk}/resolve/", {"resolution": "已办结"})
            assert company.call("GET", f"tickets/{pk}/").json()["status"] == "resolved"
            company.call("GET", "notifications/")
            time.sleep(min(1.0, outage / 10))
        # a person signs in on the web and files through the portal's form
        portal_file(base, web_sign_in(base, desk.company.username), desk.item.code, "门户断线")
        portal = Ticket.objects.get(title="门户断线")
        chief.call("POST", f"tickets/{portal.pk}/accept/", {})  # (before its own 75 % warning)

        breaches = Escalation.objects.filter(ticket_id__in=late, level="breach")
        deadlines = SlaDeadline.objects.filter(ticket_id__in=late, kind="accept")
        in_outage = [pk for pk, due in deadlines.values_list("ticket_id", "due_at") if down_at < due]
        assert len(in_outage) >= LATE_TICKETS - 1  # (a slow start may let the first fall due before)
        assert not breaches.filter(ticket_id__in=in_outage).exists(), "a breach fired while the broker was down"
        assert Notification.objects.filter(topic_id__in=filed[1:], status="pending").exists()

        broker.start()  # same port: web, worker and beat reconnect
        up_at = timezone.now()
        assert requests.get(f"{base}/readyz", timeout=5).status_code == 200
        wait_for(lambda: breaches.count() == LATE_TICKETS, 90, "the breaches after the outage", every=0.5)
        assert all(e.fired_at >= up_at for e in breaches.filter(ticket_id__in=in_outage)), "fired with Redis down"
        retry_until_sent(90)
        time.sleep(3)  # more beat ticks: nothing may fire or send twice
    finally:
        stop(server)

    log = (tmp_path / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert log.count("is unreachable") <= 2, log[-3000:]  # once per outage and web process, not per request

    assert Ticket.objects.count() == len(filed) + LATE_TICKETS + 1
    assert sorted(Ticket.objects.filter(title__startswith="断线").values_list("pk", flat=True)) == sorted(filed[1:])
    assert Ticket.objects.filter(pk__in=filed[1:], status="resolved").count() == len(filed) - 1
    assert len(set(Ticket.objects.values_list("number", flat=True))) == Ticket.objects.count()
    for pk in [*filed, *late, portal.pk]:
        assert TicketEvent.objects.filter(ticket_id=pk, kind=EventKind.CREATED).count() == 1
    steps = Escalation.objects.filter(ticket_id__in=late)
    assert steps.count() == 2 * LATE_TICKETS  # warning and breach, each once
    events = TicketEvent.objects.filter(ticket_id__in=late, kind=EventKind.ESCALATED)
    assert len({(e.ticket_id, e.data["level"], e.data["version"]) for e in events}) == events.count() == 2 * len(late)
    assert TicketEvent.objects.filter(ticket_id__in=late, kind=EventKind.TRANSFERRED).count() == LATE_TICKETS
    assert not Notification.objects.exclude(status="sent").exists()
    assert_delivered_once(receiver)
