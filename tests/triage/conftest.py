import random
from datetime import timedelta

import pytest

from servicedesk.models import ServiceItem
from tests.factories import ServiceItemFactory
from tests.tickets.conftest import clock, file_ticket, world  # noqa: F401  (the tickets' world of parks and people)
from tickets.models import Status, Ticket

VOCABULARY = {
    "power": ["停电", "跳闸", "电压不稳", "配电房", "变压器", "供电线路", "电表", "断电"],
    "water": ["停水", "水压不足", "管道漏水", "供水管网", "水表", "自来水", "水管爆裂", "用水"],
    "permit": ["施工许可", "审批手续", "证照办理", "申报材料", "规划许可", "备案", "营业执照", "批复"],
}
OPENINGS = ["厂区", "车间", "我司", "园区内", "二期厂房", "办公楼"]
ENDINGS = ["请尽快处理", "影响生产", "需要协助", "急需解决", "请派人查看", "麻烦跟进"]


def draft(rng: random.Random, item: str) -> tuple[str, str]:
    words = VOCABULARY[item]
    title = f"{rng.choice(OPENINGS)}{rng.choice(words)}"
    description = f"{rng.choice(OPENINGS)}{rng.choice(words)}，{rng.choice(words)}，{rng.choice(ENDINGS)}"
    return title, description


@pytest.fixture
def history(world):  # type: ignore[no-untyped-def]  # noqa: F811
    """history(per_item, items=("power", …), accepted=True) → the service items, with
    `per_item` confirmed tickets each, filed a day apart in turns (older first)."""

    def make(per_item: int, items: tuple[str, ...] = ("power", "water", "permit"), accepted: bool = True):  # type: ignore[no-untyped-def]
        rng = random.Random(18)
        made: dict[str, ServiceItem] = {}
        for key in items:
            made[key] = ServiceItem.objects.filter(code=key).first() or ServiceItemFactory(
                code=key, name=f"{key} 服务", department=world.power_dept
            )
        start = world.chief.date_joined - timedelta(days=per_item * len(items) + 10)
        rows = []
        n = Ticket.objects.count()
        for _ in range(per_item):
            for key in items:
                n += 1
                at = start + timedelta(hours=n * 3)
                title, description = draft(rng, key)
                rows.append(
                    Ticket(
                        number=f"SD-2025-{n:06d}",
                        title=title,
                        description=description,
                        enterprise=world.enterprise,
                        park=world.park,
                        service_item=made[key],
                        department=world.power_dept,
                        created_by=world.company,
                        assignee=world.chief,
                        owner=world.chief,
                        status=Status.IN_PROGRESS if accepted else Status.SUBMITTED,
                        accepted_at=at + timedelta(hours=1) if accepted else None,
                        created_at=at,
                        updated_at=at,
                    )
                )
        Ticket.objects.bulk_create(rows)
        return made

    return make
