"""`python -m tests.faults.world <webhook-url>`: a small desk in the database of
DATABASE_URL (a cluster a fault test started), printed as JSON: the API tokens of the
enterprise's chief and deputy officers (the load files on the enterprise's behalf: an
enterprise user's own filing has a per-user hourly limit far below a load test's pace),
the enterprise's id, the username of an enterprise user, and the code of a
service item on natural-time limits."""

from __future__ import annotations

import json
import sys

import django


def main(webhook_url: str) -> dict[str, object]:
    django.setup()
    from notifications.models import WebhookEndpoint
    from servicedesk.calendar import default_calendar
    from servicedesk.services import api_token_create
    from tests.factories import (
        DepartmentFactory,
        EnterpriseFactory,
        EnterpriseUserFactory,
        OfficerFactory,
        ServiceItemFactory,
    )

    default_calendar()
    department = DepartmentFactory()
    chief, deputy = OfficerFactory(department=department), OfficerFactory(department=department)
    enterprise = EnterpriseFactory(chief_officer=chief, deputy_officer=deputy)
    users = [EnterpriseUserFactory(enterprise=enterprise) for _ in range(4)]
    item = ServiceItemFactory(department=department, accept_limit="1h", resolve_limit="1d", clock="natural")
    WebhookEndpoint.objects.create(department=department, url=webhook_url, secret="fault-test-secret")
    return {
        "tokens": [api_token_create(user=u)[1] for u in (chief, deputy)],
        "enterprise": enterprise.pk,
        "item": item.code,
        "username": users[0].username,  # signs in on the web with tests.factories.PASSWORD
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
