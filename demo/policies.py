"""The demo's support policies (惠企政策): each demo enterprise's attributes (industry code by
its industry, size class, qualifications, registration date — drawn the same way every run),
and five policies in the words a development zone publishes them, published by the zone
manager through policies' services so that they are matched and their enterprises told.
Idempotent: an enterprise with attributes keeps them, a policy whose title exists is kept.

A chief officer serves dozens of enterprises, so the five policies tell them dozens of
matches at once; a desk that has been running a while has read most of that news, so each
reader keeps only the newest few policy messages unread (`settle_policy_news`)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from notifications.models import Notification, NotificationChannel
from policies import services
from policies.models import EnterpriseProfile, Policy
from servicedesk import clock
from servicedesk.models import Enterprise, Park, ServiceItem, User

# the demo's industries (seed_demo) → a GB/T 4754 code
INDUSTRY_CODES: dict[str, list[str]] = {
    "汽车零部件": ["C3670"],
    "电子信息": ["C3971", "C3982", "C3989"],
    "食品加工": ["C1391", "C1431", "C1469"],
    "商业百货": ["F5211"],
    "物流配送": ["G5941", "G5822"],
    "装备制造": ["C3421", "C3511", "C3441"],
    "金属制品": ["C3311", "C3399"],
    "化工": ["C2614", "C2619", "C2661"],
    "新材料": ["C2651", "C3091", "C3240"],
    "生物科技": ["C2761", "C1495"],
    "新能源": ["C3841", "C3825"],
    "生物医药": ["C2720", "C2740", "C3581"],
    "信息技术": ["I6513", "I6519", "I6531"],
    "汽车": ["C3612", "C3630"],
    "现代服务业": ["L7243", "M7590"],
    "超硬材料": ["C3099"],
}


def _profile(enterprise: Enterprise) -> EnterpriseProfile:
    rng = random.Random(enterprise.credit_code)  # noqa: S311  demo data, not secrets
    code = rng.choice(INDUSTRY_CODES.get(enterprise.industry, ["C3399"]))
    size = rng.choices(["large", "medium", "small", "micro"], weights=[5, 20, 45, 30])[0]
    tags = set()
    if rng.random() < 0.3:
        tags.add("high-tech")
    if size != "large" and rng.random() < 0.35:
        tags.add("tech-sme")
    if size in ("medium", "small") and rng.random() < 0.2:
        tags.add("srdi")
        if rng.random() < 0.2:
            tags.add("little-giant")
    if size in ("large", "medium") or (size == "small" and rng.random() < 0.5):
        tags.add("above-scale")
    registered = date(2003, 1, 1) + timedelta(days=rng.randrange(0, 365 * 22))
    return EnterpriseProfile(
        enterprise=enterprise,
        industry_code=code,
        size_class=size,
        qualifications="," + ",".join(sorted(tags)) + "," if tags else "",
        registered_on=registered,
    )


# title, issuer, park code (None: zone-wide), service item, benefit, days until it ends, conditions, summary, text
POLICIES: list[tuple[str, str, str | None, str, str, int, dict[str, object], str, str]] = [
    ("高新技术企业认定奖励", "开发区科技创新局", None, "policy-enquiry",
     "首次认定奖励20万元，重新认定奖励10万元", 200, {"qualifications": ["high-tech"]},
     "对在有效期内的国家高新技术企业给予一次性奖励，鼓励企业加大研发投入。",
     "一、支持对象：注册在开发区、在国家高新技术企业有效期内的企业。\n"
     "二、支持标准：首次认定的奖励20万元；重新认定的奖励10万元。\n"
     "三、申报材料：高新技术企业证书、上年度审计报告、研发费用专项审计报告。\n"
     "四、办理方式：在平台提交申报，首席服务员可全程代办。"),
    ("专精特新中小企业培育奖励", "开发区经济发展局", None, "financing",
     "省级专精特新奖励30万元，国家级“小巨人”奖励100万元", 150,
     {"qualifications": ["srdi"], "size": ["medium", "small", "micro"]},
     "对认定为省级专精特新中小企业和国家级专精特新“小巨人”的企业给予奖励，并优先推荐贷款贴息。",
     "一、支持对象：开发区内新认定的省级专精特新中小企业、国家级专精特新“小巨人”企业。\n"
     "二、支持标准：省级奖励30万元，国家级奖励100万元，同一企业按就高原则不重复奖励。\n"
     "三、配套服务：优先纳入“白名单”，对接银行专精特新贷产品，给予贷款贴息50%。"),
    ("制造业技术改造设备补贴", "郑州台商工业园管委会", "taishang", "project-landing",
     "按设备投资额10%补贴，最高200万元", 120, {"industry": ["C"], "years_min": 3, "qualifications": ["above-scale"]},
     "园区内注册满三年的规上制造业企业实施技术改造，按设备投资额给予补贴。",
     "一、支持对象：注册满三年、规模以上的制造业企业（国民经济行业分类C门类）。\n"
     "二、支持标准：项目设备投资额500万元以上的，按设备投资额10%给予补贴，单个企业最高200万元。\n"
     "三、申报材料：项目备案证明、设备购置合同及发票、竣工验收资料。"),
    ("小微企业稳岗返还", "开发区人力资源和社会保障局", None, "social-insurance",
     "返还上年度实际缴纳失业保险费的60%", 10, {"size": ["small", "micro"], "years_min": 1},
     "上年度未裁员或裁员率低于规定标准的小微企业，返还部分失业保险费，稳定就业岗位。",
     "一、支持对象：参保满一年、上年度未裁员或裁员率不高于全国城镇调查失业率控制目标的小微企业。\n"
     "二、返还标准：上年度实际缴纳失业保险费的60%。\n"
     "三、办理方式：经大数据比对后免申即享；未收到返还的，可在平台提交申请。"),
    ("科技型中小企业研发费用补助", "济宁高新区科技局", "jining", "tax-enquiry",
     "按上年度研发费用增量的10%补助，最高50万元", 240,
     {"qualifications": ["tech-sme"], "industry": ["C27", "C35", "C39", "I65"]},
     "对入库的科技型中小企业，按研发费用增量给予补助，重点支持生物医药、装备制造、电子信息和软件企业。",
     "一、支持对象：已入库国家科技型中小企业信息库，属于生物医药、专用设备、电子信息或软件和信息技术服务业的企业。\n"
     "二、支持标准：按上年度研发费用较前一年度增量的10%给予补助，最高50万元。\n"
     "三、申报材料：科技型中小企业入库登记编号、研发费用辅助账、年度纳税申报表。"),
]  # fmt: skip


def seed_policies(*, author: User) -> tuple[int, int]:
    """The missing enterprise attributes and policies (published, so matched and told); how
    many of each were created."""
    missing = Enterprise.objects.filter(profile__isnull=True).order_by("pk")
    profiles = [_profile(enterprise) for enterprise in missing]
    EnterpriseProfile.objects.bulk_create(profiles)
    existing = set(Policy.objects.filter(title__in=[p[0] for p in POLICIES]).values_list("title", flat=True))
    items = {item.code: item for item in ServiceItem.objects.filter(code__in=[p[3] for p in POLICIES])}
    parks = {park.code: park for park in Park.objects.all()}
    today = clock.today_local()
    created = 0
    for title, issuer, park, code, benefit, days, conditions, summary, body in POLICIES:
        if title in existing or code not in items or (park and park not in parks):
            continue
        policy = services.policy_create(
            actor=author,
            title=title,
            issuer=issuer,
            summary=summary,
            body=body,
            benefit=benefit,
            service_item=items[code],
            park=parks[park] if park else None,
            effective_from=today - timedelta(days=60),
            effective_to=today + timedelta(days=days),
            conditions=conditions,
        )
        services.policy_publish(actor=author, policy_id=policy.pk)
        created += 1
    return len(profiles), created


#: policy messages a demo reader still has unread (the newest); the older ones were read
UNREAD_POLICY_NEWS = 3


def settle_policy_news(*, keep_unread: int = UNREAD_POLICY_NEWS) -> int:
    """Mark every reader's policy-match inbox messages read but their newest `keep_unread`;
    how many were marked. Idempotent."""
    unread = Notification.objects.filter(
        event_kind="policy_matched", channel=NotificationChannel.INBOX, read_at__isnull=True
    )
    ranked = unread.annotate(
        newest=Window(RowNumber(), partition_by=[F("recipient_id")], order_by=[F("created_at").desc(), F("id").desc()])
    )
    older = [pk for pk, rank in ranked.values_list("pk", "newest") if rank > keep_unread]
    return Notification.objects.filter(pk__in=older).update(read_at=clock.now())
