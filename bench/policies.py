"""Matching one policy against many enterprises (政策找企业): the time and the number of
queries of `policy_match` — one `INSERT … SELECT` of the match rows and one of the outbox's
rows (notifications.fanout) — with N enterprises (10,000 by default), half of them qualifying. Everything runs
in one transaction that is rolled back, so any database will do (PostgreSQL for the numbers):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helper_policy_bench \\
        .venv/bin/python bench/policies.py [--enterprises 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helper_policy_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Rollback(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from policies import services
    from policies.models import EnterpriseProfile, Policy, PolicyMatch, PolicyStatus
    from servicedesk.models import Department, Enterprise, Park, ServiceItem, User, Zone

    call_command("migrate", verbosity=0)
    n = args.enterprises
    result: dict[str, object] = {}
    try:
        with transaction.atomic():
            zone = Zone.objects.create(name="基准开发区", code="bench-policy-zone")
            park = Park.objects.create(zone=zone, name="基准园区", code="bench-policy-park")
            dept = Department.objects.create(zone=zone, name="基准部门", code="bench-policy-dept")
            item = ServiceItem.objects.create(code="bench-policy-item", name="政策申报", department=dept)
            officers = User.objects.bulk_create(
                [User(username=f"bench-policy-officer{i}", role=User.Role.OFFICER, department=dept) for i in range(50)]
            )
            ents = Enterprise.objects.bulk_create(
                [
                    Enterprise(
                        name=f"基准企业{i}", credit_code=f"BP{i:016d}", park=park, chief_officer=officers[i % 50]
                    )
                    for i in range(n)
                ],
                batch_size=2000,
            )
            EnterpriseProfile.objects.bulk_create(
                [
                    EnterpriseProfile(
                        enterprise=e,
                        industry_code="C3981" if i % 2 else "I6513",
                        size_class="small",
                        qualifications=",high-tech,",
                        registered_on=date(2015, 1, 1),
                    )
                    for i, e in enumerate(ents)
                ],
                batch_size=2000,
            )
            User.objects.bulk_create(
                [User(username=f"bench-policy-company{i}", enterprise=e) for i, e in enumerate(ents)],
                batch_size=2000,
            )
            manager = User.objects.create(username="bench-policy-zone", role=User.Role.MANAGER)
            today = date.today()
            policy = Policy.objects.create(
                title="基准政策",
                issuer="基准局",
                summary="摘要",
                benefit="奖励",
                service_item=item,
                effective_from=date(today.year, 1, 1),
                status=PolicyStatus.PUBLISHED,
                conditions={"industry": ["C39"], "qualifications": ["high-tech"], "years_min": 3},
                created_by=manager,
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            started = time.perf_counter()
            qualifying = len(services.eligible_enterprises(policy).values_list("pk", flat=True))
            select_seconds = time.perf_counter() - started
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                matched = services.policy_match(policy_id=policy.pk)
                seconds = time.perf_counter() - started
            with CaptureQueriesContext(connection) as again:
                rerun = services.policy_match(policy_id=policy.pk)
            result = {
                "enterprises": n,
                "matched": matched,
                "rows": PolicyMatch.objects.filter(policy=policy).count(),
                "qualifying": qualifying,
                "select_seconds": round(select_seconds, 3),
                "seconds": round(seconds, 3),
                "queries": len(queries),
                "rerun_matched": rerun,
                "rerun_queries": len(again),
            }
            raise Rollback
    except Rollback:
        pass
    print(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
