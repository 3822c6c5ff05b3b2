"""`python -m tests.scaleout.multinode_world <webhook-url> <late> <spread>`: the desk of the
multi-node test in the database of DATABASE_URL, printed as JSON: per client a company
user's and its chief officer's API tokens, an administrator's token, the service item, and
`late` tickets on a two-minute acceptance limit whose warnings and breaches come due one
after another over the next `spread` seconds (while the faults happen)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import django


def main(webhook_url: str, late: int, spread: float, clients: int = 4) -> dict[str, object]:
    django.setup()
    import time_machine
    from django.utils import timezone

    from notifications.models import WebhookEndpoint
    from servicedesk.calendar import default_calendar
    from servicedesk.services import api_token_create
    from tests.factories import (
        AdminFactory,
        DepartmentFactory,
        EnterpriseFactory,
        EnterpriseUserFactory,
        OfficerFactory,
        ServiceItemFactory,
    )
    from tickets import services

    default_calendar()
    department = DepartmentFactory()
    WebhookEndpoint.objects.create(department=department, url=webhook_url, secret="multinode-secret")
    item = ServiceItemFactory(department=department, accept_limit="1h", resolve_limit="1d", clock="natural")
    quick = ServiceItemFactory(department=department, accept_limit="2m", resolve_limit="1h", clock="natural")
    pairs = []
    for _ in range(clients):
        chief, deputy = OfficerFactory(department=department), OfficerFactory(department=department)
        company = EnterpriseUserFactory(enterprise=EnterpriseFactory(chief_officer=chief, deputy_officer=deputy))
        pairs.append((company, chief))
    now = timezone.now()
    late_ids = []
    for n in range(late):  # filed 110 s ago and later: breaches (120 s) come due 10 s on, over `spread` s
        with time_machine.travel(now - timedelta(seconds=110 - n * min(spread, 100) / max(late, 1)), tick=False):
            late_ids.append(
                services.ticket_create(
                    actor=pairs[n % clients][0],
                    title=f"late-{n}",
                    description="厂区停电",
                    kind="help",
                    service_item=quick,
                ).pk
            )
    token = lambda user: api_token_create(user=user)[1]  # noqa: E731
    return {
        "clients": [{"company": token(company), "officer": token(chief)} for company, chief in pairs],
        "admin": token(AdminFactory()),
        "item": item.code,
        "late": late_ids,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))))
