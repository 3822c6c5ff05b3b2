"""How often the similar tickets the desk shows are true duplicates: precision and recall on a
labelled sample.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a migrated database> \\
        .venv/bin/python bench/similar_precision.py

The sample (below) is a park's open tickets: `DUPLICATES`, groups of tickets that report one
and the same problem in different words (a burst main reported by three companies of one
street, a company that files its forklift registration twice), and, in the same service items,
tickets that are *not* duplicates of any of them: the demo's requests of those items in many
wordings (`demo.texts.varied_request`), which share the item's words (停电, 叉车, 退税) but not the
problem. Each duplicate is asked for its similar tickets as a ticket page asks
(`triage.similar.similar_to_ticket`, by the park's manager, at most k), and what comes back is
judged against the labels:

- precision@k: of the tickets shown (at most k, above the desk's threshold), the share that are
  true duplicates of the asking ticket;
- recall@k: of the true duplicates of the asking tickets, the share shown;
- hit rate@k: the share of asking tickets with at least one true duplicate shown.

The weights and the threshold of `triage.similar` were tuned on the even duplicate groups
(`--half tune`); the odd groups (`--half report`) were kept out of the tuning, and are the
figure to quote. Every ticket of the sample is a candidate in either half.

The rows are written inside a transaction that is rolled back: the database is left as it was
(it must be migrated). The scoring is the same on PostgreSQL and SQLite (in Python, on the
candidates' jieba words); only the choice of candidates uses the database's search.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

KS = (1, 3, 5)

# service item code → groups; a group is the reports of one problem: (title, description, enterprise),
# where the enterprise is a letter (the same letter: the same company filing again)
DUPLICATES: dict[str, list[list[tuple[str, str, str]]]] = {
    "water-repair": [
        [
            ("园区北路水管爆裂", "园区北路与纬三路交叉口的供水主管爆裂，路面积水很深，我司厂区已经停水。", "a"),
            ("北路路口爆管停水", "今天早上北路路口爆管了，水一直往外冒，我们厂也停水了，请赶紧抢修。", "b"),
            ("纬三路口供水管破裂", "纬三路口自来水管破裂漏水严重，周边几家企业都没水了。", "c"),
        ],
        [
            ("南区水压低", "南区这几天水压特别低，楼上几层都没水，冷却塔补水不够。", "d"),
            ("水压不足冷却塔补不上水", "最近南区供水水压不足，我们的冷却塔补不上水，生产受影响。", "e"),
        ],
    ],
    "power-repair": [
        [
            ("东区大面积停电", "东区今天下午两点开始大面积停电，我司生产线全部停摆，请尽快抢修。", "a"),
            ("下午两点起停电", "从下午两点起东区这一片都停电了，冷库温度在上升，急！", "f"),
            ("东区线路故障停电", "听说是东区10kV线路故障，我们公司也停电了，什么时候能恢复供电？", "g"),
        ],
    ],
    "complaint": [
        [
            ("纬二路施工货车进不来", "纬二路封路施工一个多月，大货车进不来，原料送不到厂里。", "b"),
            ("纬二路封路影响物流", "纬二路长时间封闭施工，物流车辆只能绕行，运输成本增加很多，请协调。", "h"),
        ],
        [
            ("隔壁工厂夜里噪音太大", "隔壁工厂每天夜里十二点后还在开机，噪音很大，员工宿舍没法休息。", "c"),
            ("夜间生产噪音扰民", "园区南侧那家铸造厂夜间生产噪音扰民，我们宿舍的员工投诉很多。", "i"),
        ],
    ],
    "recruitment": [
        [
            ("希望组织春季招聘会", "节后普工流失严重，希望园区尽快组织一场春季招聘会。", "d"),
            ("春节后招工难", "春节后工人返岗率低，急缺普工，能否组织企业联合招聘会？", "j"),
        ],
    ],
    "policy-enquiry": [
        [
            ("高企奖励什么时候申报", "今年高新技术企业认定奖励的申报通知什么时候发布？我们已经准备好材料。", "e"),
            ("高新技术企业奖励申报时间", "想问一下区里对高新技术企业的奖励今年何时开始申报。", "k"),
        ],
    ],
    "tax-enquiry": [
        [
            ("电子发票开不出来", "今天上午开始电子发票系统一直报错，发票开不出来，客户等着要。", "f"),
            ("数电发票开具报错", "数电发票开具时系统报错提示网络异常，从上午到现在都开不了票。", "l"),
        ],
    ],
    "export-tax-refund": [
        [
            ("出口退税迟迟未到账", "三月份申报的出口退税到现在还没到账，资金周转很紧张。", "g"),
            ("退税款一直没收到", "我们三月报的出口退税款一直没有收到，麻烦帮忙催一下。", "g"),
        ],
    ],
    "land-use": [
        [
            ("想租标准化厂房", "公司扩产，想租 2000 平方米左右的标准化厂房，园区还有空置的吗？", "h"),
            ("标准厂房还有空的吗", "请问园区标准厂房还有没有空置的，我们需要两千平左右用于扩产。", "h"),
        ],
    ],
    "power-connection": [
        [
            ("临时施工用电申请", "二期厂房开工需要临时施工用电，容量约 400kVA，请协助办理。", "i"),
            ("二期工地临时用电", "我们二期工地要接临时电，大概 400 千伏安，怎么申请？", "i"),
        ],
    ],
    "special-equipment": [
        [
            ("叉车使用登记怎么办", "公司新买了五台叉车，需要办理使用登记，请问流程。", "j"),
            ("新购叉车办理登记", "新购叉车 5 台，想尽快办理特种设备使用登记证。", "j"),
        ],
    ],
    "social-insurance": [
        [
            ("社保缴费基数申报", "今年社保缴费基数申报截止时间是哪天？系统里找不到入口。", "k"),
            ("缴费基数申报入口找不到", "社保缴费基数申报在系统里找不到入口，截止日期快到了。", "k"),
        ],
    ],
    "discharge-permit": [
        [
            ("排污许可证下月到期", "我司排污许可证下个月到期，延续需要准备什么材料？", "l"),
            ("排污证延续材料", "排污证快到期了，请问办理延续要交哪些材料。", "l"),
        ],
    ],
}
OTHERS_PER_ITEM = 4
"""Tickets per service item of the sample that duplicate none of its groups."""


@dataclass(frozen=True)
class SampleTicket:
    item: str
    title: str
    description: str
    enterprise: str
    group: int | None  # the duplicate group; None: a duplicate of nothing in the sample


@dataclass(frozen=True)
class Result:
    k: int
    queries: int
    shown: int
    hits: int
    duplicates: int
    queries_with_hit: int

    @property
    def precision(self) -> float | None:
        return self.hits / self.shown if self.shown else None

    @property
    def recall(self) -> float | None:
        return self.hits / self.duplicates if self.duplicates else None

    @property
    def hit_rate(self) -> float | None:
        return self.queries_with_hit / self.queries if self.queries else None


def sample(
    duplicates: Mapping[str, Sequence[Sequence[tuple[str, str, str]]]] = DUPLICATES,
    others_per_item: int = OTHERS_PER_ITEM,
    seed: int = 1,
) -> list[SampleTicket]:
    """The labelled tickets: every group's reports, and `others_per_item` non-duplicates per item."""
    from demo.texts import varied_request

    rng = random.Random(seed)
    out: list[SampleTicket] = []
    group = 0
    for item, groups in duplicates.items():
        for reports in groups:
            out += [SampleTicket(item, t, d, e, group) for t, d, e in reports]
            group += 1
        for n in range(others_per_item):
            title, parts = varied_request(rng, item)
            out.append(SampleTicket(item, title, "".join(parts), f"other{n}", None))
    return out


def score(shown: Mapping[int, Sequence[int]], group_of: Mapping[int, int | None], k: int) -> Result:
    """Judge what was shown (asking ticket → the similar tickets, best first) against the
    labels (ticket → its group, None for none). Every asking ticket must have a group."""
    members: dict[int, int] = {}
    for group in group_of.values():
        if group is not None:
            members[group] = members.get(group, 0) + 1
    n_shown = hits = duplicates = with_hit = 0
    for asking, found in shown.items():
        group = group_of[asking]
        if group is None:
            raise ValueError(f"ticket {asking} is not labelled as a duplicate of anything")
        top = list(found)[:k]
        right = sum(1 for t in top if group_of.get(t) == group)
        n_shown += len(top)
        hits += right
        duplicates += members[group] - 1
        with_hit += right > 0
    return Result(k, len(shown), n_shown, hits, duplicates, with_hit)


def write_sample(tickets: Sequence[SampleTicket]) -> tuple[Any, dict[int, int | None]]:
    """Write the sample as a park's open tickets (in the caller's transaction): its manager,
    and ticket id → group."""
    from servicedesk import clock
    from servicedesk.models import Department, Enterprise, Park, ServiceItem, User, Zone
    from servicedesk.validators import credit_code_check_char
    from tickets.models import Status, Ticket
    from tickets.search import ticket_document

    tag = f"simbench{random.randrange(10**6)}"  # codes that no real row has
    zone = Zone.objects.create(name="样本开发区", code=tag)
    park = Park.objects.create(zone=zone, name="样本园区", code=tag)
    dept = Department.objects.create(zone=zone, name="样本部门", code=tag)
    officer = User.objects.create(username=f"{tag}-officer", role=User.Role.OFFICER, department=dept)
    manager = User.objects.create(username=f"{tag}-manager", role=User.Role.MANAGER, park=park)
    items = {
        code: ServiceItem.objects.create(code=f"{tag}-{code}"[:40], name=code, department=dept)
        for code in dict.fromkeys(t.item for t in tickets)
    }
    enterprises: dict[str, Enterprise] = {}
    for i, letter in enumerate(dict.fromkeys(t.enterprise for t in tickets)):
        first17 = f"9141{random.randrange(10**6):06d}{i:07d}"
        enterprises[letter] = Enterprise.objects.create(
            name=f"样本企业{letter}有限公司",
            credit_code=first17 + credit_code_check_char(first17),
            park=park,
            chief_officer=officer,
        )
    now = clock.now()
    rows = []
    for i, t in enumerate(tickets):
        at = now - dt.timedelta(hours=len(tickets) - i)
        number = f"SB-{tag[-6:]}-{i:04d}"
        ent = enterprises[t.enterprise]
        rows.append(
            Ticket(
                number=number,
                title=t.title,
                description=t.description,
                enterprise=ent,
                park=park,
                service_item=items[t.item],
                department=dept,
                created_by=officer,
                assignee=officer,
                owner=officer,
                status=Status.IN_PROGRESS,
                created_at=at,
                updated_at=at,
                search_document=ticket_document(
                    number=number, title=t.title, description=t.description, enterprise_name=ent.name
                ),
            )
        )
    made = Ticket.objects.bulk_create(rows)
    return manager, {row.pk: t.group for row, t in zip(made, tickets, strict=True)}


def in_half(group: int | None, half: str) -> bool:
    """Whether a duplicate group asks in this half of the sample: "tune" (the even groups, on
    which the weights and the threshold of triage.similar were tuned), "report" (the odd
    groups, never looked at while tuning) or "all"."""
    if group is None:
        return False
    return half == "all" or group % 2 == (0 if half == "tune" else 1)


def measure(tickets: Sequence[SampleTicket], ks: Sequence[int] = KS, half: str = "all") -> list[Result]:
    """Write the sample, ask for the similar tickets of every duplicate (of the groups of
    `half`; every ticket of the sample stays a candidate), score them at each k.
    Run it inside a transaction the caller rolls back."""
    from tickets.models import Ticket
    from triage.similar import similar_to_ticket

    manager, group_of = write_sample(tickets)
    asking = Ticket.objects.filter(pk__in=[pk for pk, g in group_of.items() if in_half(g, half)]).order_by("pk")
    shown = {t.pk: [s.id for s in similar_to_ticket(manager, t, limit=max(ks))] for t in asking}
    return [score(shown, group_of, k) for k in ks]


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def main() -> int:
    import django

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--others", type=int, default=OTHERS_PER_ITEM, help="non-duplicates per service item")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--half",
        choices=("all", "tune", "report", "both"),
        default="both",
        help="which duplicate groups ask: the even ones (tune), the odd ones (report), all, or each of the three",
    )
    args = parser.parse_args()
    django.setup()
    from django.db import connection, transaction

    from triage.similar import MIN_SIMILARITY

    tickets = sample(others_per_item=args.others, seed=args.seed)
    started = time.perf_counter()
    groups = len({t.group for t in tickets if t.group is not None})
    asking = sum(1 for t in tickets if t.group is not None)
    print(
        f"{connection.vendor}: {len(tickets)} open tickets in {len({t.item for t in tickets})} service items, "
        f"{groups} duplicate groups ({asking} tickets), {len(tickets) - asking} duplicates of nothing; "
        f"threshold {MIN_SIMILARITY}"
    )
    for half in ("tune", "report", "all") if args.half == "both" else (args.half,):
        with transaction.atomic():
            results = measure(tickets, half=half)
            transaction.set_rollback(True)
        n_groups = len({t.group for t in tickets if in_half(t.group, half)})
        print(f" {half} ({n_groups} groups):")
        for r in results:
            print(
                f"  k={r.k}: precision {_pct(r.precision)} ({r.hits}/{r.shown} shown), "
                f"recall {_pct(r.recall)} ({r.hits}/{r.duplicates}), "
                f"hit rate {_pct(r.hit_rate)} ({r.queries_with_hit}/{r.queries})"
            )
    print(f"({time.perf_counter() - started:.1f} s; nothing kept)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
