"""`python -m tests.scaleout.smoke`: the API's smoke path in the database of DATABASE_URL
(a cluster a test started, perhaps behind PgBouncer): a small desk, then a company files a
ticket, its officer accepts, replies and resolves it, the company rates it, the officer reads
the queue and the audit trail, an administrator reads the report as JSON and CSV. Prints one
JSON object: each step's status code, and the ticket's final status."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> dict[str, object]:
    django.setup()
    from rest_framework.test import APIClient

    from servicedesk import clock
    from servicedesk.calendar import default_calendar
    from tests.factories import (
        AdminFactory,
        DepartmentFactory,
        EnterpriseFactory,
        EnterpriseUserFactory,
        OfficerFactory,
        ServiceItemFactory,
    )
    from tickets.models import Ticket

    default_calendar()
    department = DepartmentFactory()
    officer = OfficerFactory(department=department)
    enterprise = EnterpriseFactory(chief_officer=officer)
    company = EnterpriseUserFactory(enterprise=enterprise)
    item = ServiceItemFactory(department=department, accept_limit="1h", resolve_limit="1d", clock="natural")

    def as_user(user: object) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    steps: dict[str, int] = {}
    filed = as_user(company).post(
        "/api/v1/tickets/",
        {"title": "路灯不亮", "description": "园区东门路灯", "kind": "help", "service_item": item.code},
        format="json",
    )
    steps["file"] = filed.status_code
    pk = filed.json()["id"]
    work = as_user(officer)
    steps["accept"] = work.post(f"/api/v1/tickets/{pk}/accept/", {}, format="json").status_code
    steps["reply"] = work.post(f"/api/v1/tickets/{pk}/reply/", {"body": "已派人查看"}, format="json").status_code
    steps["resolve"] = work.post(f"/api/v1/tickets/{pk}/resolve/", {"resolution": "已修复"}, format="json").status_code
    steps["rate"] = (
        as_user(company).post(f"/api/v1/tickets/{pk}/rate/", {"score": 5, "comment": "快"}, format="json").status_code
    )
    steps["queue"] = work.get("/api/v1/tickets/?ordering=-created_at").status_code
    steps["events"] = work.get(f"/api/v1/tickets/{pk}/events/").status_code
    admin = as_user(AdminFactory())
    today = clock.today_local()
    period = f"from={today.replace(day=1).isoformat()}&to={(today + timedelta(days=1)).isoformat()}"
    report = admin.get(f"/api/v1/reports/officers/?{period}")
    steps["report"] = report.status_code
    steps["report_csv"] = admin.get(f"/api/v1/reports/officers/?{period}&format=csv").status_code
    received = sum(row.get("received", 0) for row in report.json()["results"]) if report.status_code == 200 else 0
    return {"steps": steps, "status": Ticket.objects.get(pk=pk).status, "received": received}


if __name__ == "__main__":
    print(json.dumps(main()))
