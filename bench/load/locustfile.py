"""The load mix of `make load` (bench/load/run.py starts everything and runs this headless).

Three kinds of users, each with an API token of its own from $LOAD_TOKENS (written by the
runner): enterprise users list, read and file tickets and read their notifications;
officers work their queue (accept, reply, resolve) — one locust user per officer, so no two
sessions race for the same ticket; managers read the reports and the overdue list. Any
answer but a 2xx is an error."""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

TOKENS: dict[str, list[str]] = json.loads(Path(os.environ["LOAD_TOKENS"]).read_text(encoding="utf-8"))
_next = {role: itertools.count() for role in TOKENS}


def _token(role: str) -> str:
    tokens = TOKENS[role]
    return tokens[next(_next[role]) % len(tokens)]


class DeskUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(2, 8)  # a person reading the screen between clicks

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Token {_token(self.role)}"

    def get_json(self, path: str, name: str | None = None) -> Any:
        with self.client.get(path, name=name or path.split("?")[0], catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} {response.error!r}"[:300])
                return None
            return response.json()

    def post(self, path: str, body: dict[str, object], name: str) -> Any:
        with self.client.post(path, json=body, name=name, catch_response=True) as response:
            if response.status_code not in (200, 201):
                response.failure(f"HTTP {response.status_code} {response.error!r}: {response.text[:200]}"[:300])
                return None
            return response.json()

    def notifications(self) -> None:
        self.get_json("/api/v1/notifications/unread-count/")
        self.get_json("/api/v1/notifications/?page_size=20", name="/api/v1/notifications/")


class EnterpriseUser(DeskUser):
    role = "enterprise"
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        items = self.get_json("/api/v1/service-items/?page_size=100", name="/api/v1/service-items/") or {}
        self.items = [i["code"] for i in items.get("results", items if isinstance(items, list) else [])]
        self.mine: list[int] = []

    @task(5)
    def list_tickets(self) -> None:
        page = self.get_json("/api/v1/tickets/?page_size=20", name="/api/v1/tickets/")
        if page:
            self.mine = [t["id"] for t in page["results"]]

    @task(3)
    def read_ticket(self) -> None:
        if self.mine:
            pk = random.choice(self.mine)
            self.get_json(f"/api/v1/tickets/{pk}/", name="/api/v1/tickets/[id]/")
            self.get_json(f"/api/v1/tickets/{pk}/events/", name="/api/v1/tickets/[id]/events/")

    @task(2)
    def file_ticket(self) -> None:
        if self.items:
            body = {"title": "厂区路灯不亮", "description": "东门到二号车间的路灯坏了三盏。", "kind": "help"}
            created = self.post("/api/v1/tickets/", {**body, "service_item": random.choice(self.items)}, "file ticket")
            if created:
                self.mine.append(created["id"])

    @task(4)
    def read_notifications(self) -> None:
        self.notifications()


class OfficerUser(DeskUser):
    role = "officer"
    fixed_count = int(os.environ.get("LOAD_OFFICERS", "10"))

    def queue(self, status: str) -> list[int]:
        page = self.get_json(f"/api/v1/tickets/?assignee=me&status={status}&page_size=20", name=f"queue {status}")
        return [t["id"] for t in page["results"]] if page else []

    @task(4)
    def read_queue(self) -> None:
        self.queue("submitted")

    @task(3)
    def work_a_ticket(self) -> None:
        submitted = self.queue("submitted")
        if submitted:
            self.post(f"/api/v1/tickets/{submitted[0]}/accept/", {}, "accept")
            return
        in_progress = self.queue("in_progress")
        if in_progress:
            pk = in_progress[0]
            self.get_json(f"/api/v1/tickets/{pk}/", name="/api/v1/tickets/[id]/")
            if self.post(f"/api/v1/tickets/{pk}/reply/", {"body": "已安排电工今天下午到现场。"}, "reply"):
                self.post(f"/api/v1/tickets/{pk}/resolve/", {"resolution": "路灯已更换。"}, "resolve")

    @task(1)
    def read_notifications(self) -> None:
        self.notifications()


class ManagerUser(DeskUser):
    role = "manager"
    fixed_count = int(os.environ.get("LOAD_MANAGERS", "4"))

    @task(2)
    def overdue(self) -> None:
        self.get_json("/api/v1/tickets/?overdue=true&page_size=20", name="/api/v1/tickets/?overdue")

    @task(1)
    def reports(self) -> None:
        level = random.choice(["officers", "departments", "parks"])
        self.get_json(f"/api/v1/reports/{level}/?period=month", name=f"/api/v1/reports/{level}/")
