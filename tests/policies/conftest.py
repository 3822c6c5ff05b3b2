from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from policies import services
from policies.models import EnterpriseProfile, Policy
from servicedesk.models import Enterprise
from tests.tickets.conftest import clock, file_ticket, world  # noqa: F401  (fixtures)

TODAY = date(2026, 11, 17)  # the tickets' T0, a Tuesday


def profile(enterprise: Enterprise, *, code: str = "", size: str = "", tags: tuple[str, ...] = (), registered=None):
    return EnterpriseProfile.objects.create(
        enterprise=enterprise,
        industry_code=code,
        size_class=size,
        qualifications="," + ",".join(sorted(tags)) + "," if tags else "",
        registered_on=registered,
    )


@pytest.fixture
def make_policy(world):  # noqa: F811
    """make_policy(**fields) → a draft policy by the zone manager (zone-wide unless `park`)."""

    def make(**fields: Any) -> Policy:
        values: dict[str, Any] = {
            "title": "高新技术企业认定奖励",
            "issuer": "开发区科技创新局",
            "summary": "对首次认定的高新技术企业给予一次性奖励。",
            "benefit": "一次性奖励20万元",
            "service_item": world.item,
            "effective_from": date(2026, 1, 1),
            "effective_to": date(2026, 12, 31),
            **fields,
        }
        return services.policy_create(actor=world.zone_manager, **values)

    return make
