"""`python manage.py seed_demo`: a demonstration zone with three parks, their departments,
30 service officers, 300 enterprises, the service catalogue, managers, demo logins and the
working calendar. Idempotent: rows are looked up by their natural keys (codes, usernames,
credit codes), only what is missing is created, and existing passwords are never changed."""

from __future__ import annotations

import os
import random
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from demo.history import WEEKS, seed_history
from demo.knowledge import seed_guides
from demo.policies import seed_policies, settle_policy_news
from demo.replies import seed_replies
from notifications.models import GroupRobot
from servicedesk import clock
from servicedesk.calendar import (
    CalendarDataMissing,
    calendar_days_upsert,
    chinesecalendar_entries,
    default_calendar,
    years_with_data,
)
from servicedesk.models import CalendarDay, Clock, Department, Enterprise, Park, ServiceItem, User, Zone
from servicedesk.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from subscriptions import services as sheet_services

SEED = 20261124
LOGINS_FILE = Path(".run") / "demo-logins.txt"

# --- the organisation -------------------------------------------------------------------

ZONE = {"code": "zone", "name": "中原示范开发区", "name_en": "Central Plains Demonstration Development Zone"}

# code, name, English name, administrative division code (credit code positions 3–8), city
PARKS: list[tuple[str, str, str, str, str]] = [
    ("taishang", "郑州台商工业园", "Zhengzhou Taiwanese Industrial Park", "410171", "郑州"),
    ("puyang", "濮阳工业园区", "Puyang Industrial Park", "410900", "濮阳"),
    ("jining", "济宁高新区", "Jining High-tech Zone", "370871", "济宁"),
]

SERVICE_CENTRE = "service"  # the department of the chief service officers (首席服务员)

# code, name, English name, number of officers
DEPARTMENTS: list[tuple[str, str, str, int]] = [
    (SERVICE_CENTRE, "企业服务中心", "Enterprise Service Centre", 14),
    ("investment", "招商服务局", "Investment Promotion Bureau", 2),
    ("planning", "规划建设局", "Planning and Construction Bureau", 2),
    ("market", "市场监督管理局", "Market Supervision Administration", 2),
    ("power", "供电服务中心", "Power Supply Service Centre", 2),
    ("water", "供水服务中心", "Water Supply Service Centre", 2),
    ("environment", "生态环境分局", "Ecology and Environment Branch", 2),
    ("tax", "税务分局", "Taxation Branch", 2),
    ("hr", "人力资源和社会保障局", "Human Resources and Social Security Bureau", 2),
]

# How many enterprises each chief officer of the service centre looks after, per park
# (一包多: officer1 serves the most). Officers are numbered in DEPARTMENTS order.
CHIEF_LOADS: dict[str, dict[str, int]] = {
    "taishang": {"officer1": 36, "officer2": 24, "officer3": 20, "officer4": 16, "officer5": 12, "officer6": 12},
    "puyang": {"officer7": 32, "officer8": 26, "officer9": 18, "officer10": 14},
    "jining": {"officer11": 28, "officer12": 22, "officer13": 22, "officer14": 18},
}
# officer → the officer who stands in while they are away
OFFICER_DEPUTIES = {
    "officer3": "officer4",
    "officer7": "officer8",
    "officer12": "officer13",
    "officer15": "officer16",
    "officer19": "officer20",
    "officer25": "officer26",
}
OFFICERS_ON_LEAVE = {"officer7", "officer12"}

# username, department code: department heads (部门负责人)
DEPARTMENT_HEADS = [("head-service", SERVICE_CENTRE), ("head-power", "power"), ("head-planning", "planning")]
ENTERPRISE_USERS = 10  # company1 … company10, one for each of the first enterprises

# --- the service catalogue (服务事项 and their 服务承诺) ----------------------------------

# code, name, English name, department, acceptance limit, resolution limit, clock, description
SERVICE_ITEMS: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("policy-enquiry", "政策咨询", "Policy enquiry", SERVICE_CENTRE, "4h", "2d", Clock.WORKING,
     "惠企政策、扶持资金、申报条件等咨询。"),
    ("agency-service", "全程代办", "End-to-end agency service", SERVICE_CENTRE, "1d", "15d", Clock.WORKING,
     "首席服务员代办项目手续，跑遍各部门，企业零上门。"),
    ("complaint", "投诉处理", "Complaint handling", SERVICE_CENTRE, "4h", "15d", Clock.WORKING,
     "对服务态度、办事效率、营商环境的投诉。"),
    ("financing", "融资对接", "Financing help", SERVICE_CENTRE, "1d", "10d", Clock.WORKING,
     "银企对接、贷款贴息、融资担保。"),
    ("project-landing", "项目落地服务", "Project landing support", "investment", "1d", "15d", Clock.WORKING,
     "签约项目从落户到开工的全程跟踪服务。"),
    ("land-use", "用地咨询", "Land use enquiry", "investment", "4h", "5d", Clock.WORKING,
     "土地供应、厂房租赁、标准化厂房入驻。"),
    ("construction-permit", "施工许可", "Construction permit", "planning", "1d", "15d", Clock.WORKING,
     "建筑工程施工许可证办理指导。"),
    ("completion-acceptance", "竣工验收", "Completion acceptance", "planning", "1d", "15d", Clock.WORKING,
     "工程竣工联合验收。"),
    ("licence-change", "营业执照变更", "Business licence change", "market", "4h", "5d", Clock.WORKING,
     "名称、地址、经营范围、法定代表人变更登记。"),
    ("special-equipment", "特种设备登记", "Special equipment registration", "market", "1d", "10d", Clock.WORKING,
     "锅炉、压力容器、电梯、起重机械使用登记。"),
    ("power-connection", "用电报装", "Power connection", "power", "1d", "10d", Clock.WORKING,
     "新装、增容用电申请。"),
    ("power-repair", "停电抢修", "Emergency power repair", "power", "2h", "1d", Clock.NATURAL,
     "突发停电、线路故障抢修，昼夜响应。"),
    ("water-connection", "用水报装", "Water connection", "water", "1d", "10d", Clock.WORKING,
     "新装用水、管网接入申请。"),
    ("water-repair", "停水抢修", "Emergency water repair", "water", "2h", "1d", Clock.NATURAL,
     "爆管、停水抢修，昼夜响应。"),
    ("eia-enquiry", "环评咨询", "Environmental impact assessment enquiry", "environment", "4h", "5d", Clock.WORKING,
     "建设项目环境影响评价的分类和程序咨询。"),
    ("discharge-permit", "排污许可", "Pollutant discharge permit", "environment", "1d", "15d", Clock.WORKING,
     "排污许可证申领、变更、延续。"),
    ("tax-enquiry", "税务咨询", "Tax enquiry", "tax", "4h", "2d", Clock.WORKING,
     "税收优惠、发票、申报纳税咨询。"),
    ("export-tax-refund", "出口退税", "Export tax refund", "tax", "1d", "10d", Clock.WORKING,
     "出口退（免）税申报辅导。"),
    ("recruitment", "招工用工", "Recruitment help", "hr", "1d", "10d", Clock.WORKING,
     "用工需求发布、招聘会、职业技能培训。"),
    ("social-insurance", "社保业务", "Social insurance", "hr", "4h", "5d", Clock.WORKING,
     "参保登记、社保缴费、稳岗返还。"),
    ("talent-policy", "人才政策申报", "Talent programme application", "hr", "1d", "15d", Clock.WORKING,
     "人才引进补贴、安家费、子女入学。"),
]  # fmt: skip

# --- the enterprises --------------------------------------------------------------------

# The companies the source articles name, by park: name, industry.
ARTICLE_ENTERPRISES: dict[str, list[tuple[str, str]]] = {
    "taishang": [
        ("台塑集团（郑州）实业有限公司", "汽车零部件"),
        ("晶诚科技（郑州）有限公司", "电子信息"),
        ("丹尼斯集团郑州百货有限公司", "商业百货"),
        ("郑州益辉食品有限公司", "食品加工"),
        ("郑州协欣金属有限公司", "金属制品"),
        ("郑州硕达钻石有限公司", "超硬材料"),
    ],
    "puyang": [
        ("河南省君恒实业集团生物科技有限公司", "生物科技"),
        ("濮阳市恩赢高分子材料有限公司", "新材料"),
        ("河南三棵树新材料科技有限公司", "新材料"),
        ("天能集团（濮阳）电源有限公司", "新能源"),
        ("濮阳龙都化工有限公司", "化工"),
        ("濮阳建业机械有限公司", "装备制造"),
        ("濮阳昱宏化学有限公司", "化工"),
    ],
    "jining": [
        ("辰欣药业股份有限公司", "生物医药"),
        ("宏凯集团（济宁）装备制造有限公司", "装备制造"),
        ("济宁穗阳新材料有限公司", "新材料"),
        ("软通动力（济宁）信息技术有限公司", "信息技术"),
        ("凯豪达集团济宁汽车有限公司", "汽车"),
        ("蓝盾（济宁）信息安全技术有限公司", "信息技术"),
    ],
}
PARK_ENTERPRISES = {"taishang": 120, "puyang": 90, "jining": 90}

# industry → the words a company of that industry puts in its name
INDUSTRY_WORDS: dict[str, list[str]] = {
    "汽车零部件": ["汽车零部件", "汽配", "精密部件"],
    "电子信息": ["电子", "电子科技", "光电"],
    "食品加工": ["食品", "食品科技", "粮油"],
    "商业百货": ["商贸", "百货"],
    "物流配送": ["物流", "供应链管理"],
    "装备制造": ["机械", "装备制造", "重工"],
    "金属制品": ["金属制品", "钢构"],
    "化工": ["化工", "化学"],
    "新材料": ["新材料", "高分子材料", "新材料科技"],
    "生物科技": ["生物科技", "生物工程"],
    "新能源": ["新能源", "电源", "光伏科技"],
    "生物医药": ["药业", "医药科技", "医疗器械"],
    "信息技术": ["软件", "信息技术", "网络科技"],
    "汽车": ["汽车", "专用车"],
    "现代服务业": ["企业管理咨询", "科技服务"],
}
PARK_INDUSTRIES: dict[str, list[str]] = {
    "taishang": ["汽车零部件", "汽车零部件", "电子信息", "食品加工", "商业百货", "物流配送", "装备制造", "金属制品"],
    "puyang": ["化工", "化工", "新材料", "新材料", "生物科技", "新能源", "装备制造", "食品加工"],
    "jining": ["生物医药", "生物医药", "装备制造", "新材料", "信息技术", "汽车", "现代服务业", "物流配送"],
}
PARK_STREETS: dict[str, list[str]] = {
    "taishang": [f"经开第{n}大街" for n in (1, 3, 5, 8, 9, 11, 13, 15, 17, 19, 22)] + ["航海东路", "经南五路"],
    "puyang": ["昆吾路", "纬一路", "纬二路", "经三路", "化工一路", "化工三路", "长庆路"],
    "jining": ["崇文大道", "海川路", "同济路", "火炬路", "黄屯路", "开源路", "327国道"],
}
PARK_ADDRESS_PREFIX = {"taishang": "郑州经济技术开发区", "puyang": "濮阳工业园区", "jining": "济宁高新区"}
BRAND_CHARS = "华瑞宏达鑫恒泰昌盛源通信佳远兴润博安康金永立丰誉德晟凯锦天中嘉聚合弘正银豪益美星辉诚汇创力科翔腾富"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN_NAMES = [
    "伟", "芳", "娜", "敏", "静", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平", "刚", "鹏",
    "秀英", "建华", "志强", "晓燕", "海燕", "文博", "浩然", "思远", "佳怡", "国栋", "红梅", "丽娟", "建国", "玉兰",
    "子涵", "一鸣", "雪梅", "振华", "春生", "永强", "晓东", "利民", "新民", "美玲", "俊杰", "书航", "梦琪", "宏伟",
]  # fmt: skip
MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "152", "158", "186", "187", "188", "176"]


# --- the plan: everything the seed creates, decided before the database is looked at --------


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    display_name: str
    phone: str
    department: str | None = None  # department code
    park: str | None = None  # park code
    enterprise: str | None = None  # credit code
    on_leave: bool = False
    deputy: str | None = None  # username
    is_staff: bool = False
    is_superuser: bool = False


@dataclass(frozen=True)
class EnterpriseSpec:
    credit_code: str
    name: str
    park: str
    industry: str
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    chief: str
    deputy: str | None


@dataclass
class Plan:
    officers: list[UserSpec] = field(default_factory=list)
    others: list[UserSpec] = field(default_factory=list)  # managers and the administrator
    enterprises: list[EnterpriseSpec] = field(default_factory=list)
    enterprise_users: list[UserSpec] = field(default_factory=list)


def credit_code(division: str, n: int) -> str:
    """A valid unified social credit code (GB 32100) for the n-th demo enterprise: registered
    by market regulation (9), an enterprise (1), in `division`, with an organisation code
    `MA…` that is a bijection of n (so distinct for each n and the same on every run)."""
    value = (n * 2654435761) % 31**7  # 2654435761 is prime: coprime with 31, so n ↦ value is one-to-one
    body = ""
    for _ in range(7):
        body = CREDIT_CODE_ALPHABET[value % 31] + body
        value //= 31
    first17 = f"91{division}MA{body}"
    return first17 + credit_code_check_char(first17)


class _Names:
    """Chinese personal names, distinct within one plan."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self, *, unique: bool = True) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)
            if not unique or name not in self.used:
                self.used.add(name)
                return name

    def mobile(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + "".join(self.rng.choice("0123456789") for _ in range(8))


def build_plan(rng: random.Random) -> Plan:
    """The whole demo data set, from `rng` alone: the same seed gives the same plan."""
    names = _Names(rng)
    plan = Plan()

    number = 0
    for dept_code, _name, _name_en, count in DEPARTMENTS:
        for _ in range(count):
            number += 1
            username = f"officer{number}"
            plan.officers.append(
                UserSpec(
                    username=username,
                    role=User.Role.OFFICER,
                    display_name=names.person(),
                    phone=names.mobile(),
                    department=dept_code,
                    on_leave=username in OFFICERS_ON_LEAVE,
                    deputy=OFFICER_DEPUTIES.get(username),
                )
            )

    plan.others.append(
        UserSpec("admin", User.Role.ADMIN, names.person(), names.mobile(), is_staff=True, is_superuser=True)
    )
    plan.others.append(UserSpec("zone", User.Role.MANAGER, names.person(), names.mobile()))
    for i, (park_code, *_rest) in enumerate(PARKS, start=1):
        plan.others.append(UserSpec(f"park{i}", User.Role.MANAGER, names.person(), names.mobile(), park=park_code))
    for username, dept_code in DEPARTMENT_HEADS:
        plan.others.append(UserSpec(username, User.Role.MANAGER, names.person(), names.mobile(), department=dept_code))

    company_names = {name for companies in ARTICLE_ENTERPRISES.values() for name, _industry in companies}
    number = 0
    for park_code, _name, _name_en, division, city in PARKS:
        companies = list(ARTICLE_ENTERPRISES[park_code])
        while len(companies) < PARK_ENTERPRISES[park_code]:
            industry = rng.choice(PARK_INDUSTRIES[park_code])
            brand = "".join(rng.sample(BRAND_CHARS, 2))
            name = f"{city}{brand}{rng.choice(INDUSTRY_WORDS[industry])}有限公司"
            if name not in company_names:
                company_names.add(name)
                companies.append((name, industry))

        chiefs = [officer for officer, load in CHIEF_LOADS[park_code].items() for _ in range(load)]
        rng.shuffle(chiefs)
        if number == 0:  # the first enterprise is officer1's: the demo login "officer1" is its chief
            first = chiefs.index("officer1")
            chiefs[0], chiefs[first] = chiefs[first], chiefs[0]
        park_officers = list(CHIEF_LOADS[park_code])

        for (name, industry), chief in zip(companies, chiefs, strict=True):
            number += 1
            deputy = rng.choice([o for o in park_officers if o != chief]) if rng.random() < 1 / 3 else None
            street_no = rng.randint(1, 388)
            plan.enterprises.append(
                EnterpriseSpec(
                    credit_code=credit_code(division, number),
                    name=name,
                    park=park_code,
                    industry=industry,
                    address=f"{PARK_ADDRESS_PREFIX[park_code]}{rng.choice(PARK_STREETS[park_code])}{street_no}号",
                    contact_name=names.person(unique=False),
                    contact_phone=names.mobile(),
                    contact_email=f"contact{number:03d}@example.com",
                    chief=chief,
                    deputy=deputy,
                )
            )

    for i, spec in enumerate(plan.enterprises[:ENTERPRISE_USERS], start=1):
        plan.enterprise_users.append(
            UserSpec(
                f"company{i}", User.Role.ENTERPRISE, spec.contact_name, spec.contact_phone, enterprise=spec.credit_code
            )
        )
    return plan


# --- writing the plan -------------------------------------------------------------------


@dataclass
class Outcome:
    created: dict[str, int] = field(default_factory=dict)
    new_usernames: set[str] = field(default_factory=set)
    password: str | None = None  # only when users were created in this run
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Seeder:
    def __init__(self, plan: Plan, password: str | None) -> None:
        self.plan = plan
        self.requested_password = password
        self.outcome = Outcome()
        self._hash: str | None = None

    def _password_hash(self) -> str:
        if self._hash is None:
            self.outcome.password = self.requested_password or secrets.token_urlsafe(9)
            self._hash = make_password(self.outcome.password)
        return self._hash

    def _count(self, key: str, n: int) -> None:
        self.outcome.created[key] = self.outcome.created.get(key, 0) + n

    def run(self) -> Outcome:
        zone, created = Zone.objects.get_or_create(
            code=ZONE["code"], defaults={"name": ZONE["name"], "name_en": ZONE["name_en"]}
        )
        self._count("zones", int(created))
        self.parks = self._parks(zone)
        self.departments = self._departments(zone)
        self._service_items()
        self.users = self._users()
        self.enterprises = self._enterprises()
        self._enterprise_users()
        self._calendar()
        self._count("guides", seed_guides(author=self.users["zone"]))
        self._count(
            "canned replies",
            seed_replies(
                departments=self.departments,
                officer=self.users["officer1"],
                heads={"power": self.users["head-power"]},
            ),
        )
        profiles, policies = seed_policies(author=self.users["zone"])
        self._count("enterprise profiles", profiles)
        self._count("support policies", policies)
        settle_policy_news()
        self._robots()
        self._sheet_subscriptions()
        return self.outcome

    def _sheet_subscriptions(self) -> None:
        """The zone manager reads the monthly ranking and the quarterly bulletin by mail, each
        park's manager their weekly dispatch sheet (the robots are off until the administrator
        turns them on, so none goes to a group yet)."""
        wanted = [("zone", "ranking"), ("zone", "bulletin")]
        wanted += [(username, "dispatch") for username in self.users if username.startswith("park")]
        for username, sheet in wanted:
            user = self.users[username]
            created = not user.sheet_subscriptions.filter(sheet=sheet, channel="email").exists()
            sheet_services.subscribe(user=user, sheet=sheet, channel="email")
            self._count("sheet subscriptions", int(created))

    def _robots(self) -> None:
        """Each park's WeCom group robot and the service centre's DingTalk robot, switched off:
        the administrator pastes the real group's URL (and secret) and turns them on."""
        specs: list[tuple[str, str, Park | None, Department | None, str]] = [
            (f"{park.name} 企业微信群", "wecom", park, None, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=")
            for park in self.parks.values()
        ]
        service = Department.objects.filter(name="企业服务中心").first()
        if service is not None:
            specs.append(
                ("企业服务中心 钉钉群", "dingtalk", None, service, "https://oapi.dingtalk.com/robot/send?access_token=")
            )
        for name, kind, park, department, url in specs:
            _robot, created = GroupRobot.objects.get_or_create(
                name=name,
                defaults={"kind": kind, "park": park, "department": department, "url": url + "demo", "active": False},
            )
            self._count("robots", int(created))

    def _parks(self, zone: Zone) -> dict[str, Park]:
        parks = {}
        for code, name, name_en, *_rest in PARKS:
            parks[code], created = Park.objects.get_or_create(
                code=code, defaults={"zone": zone, "name": name, "name_en": name_en}
            )
            self._count("parks", int(created))
        return parks

    def _departments(self, zone: Zone) -> dict[str, Department]:
        departments = {}
        for code, name, name_en, _officers in DEPARTMENTS:
            departments[code], created = Department.objects.get_or_create(
                code=code, defaults={"zone": zone, "park": None, "name": name, "name_en": name_en}
            )
            self._count("departments", int(created))
        return departments

    def _service_items(self) -> None:
        existing = set(
            ServiceItem.objects.filter(code__in=[item[0] for item in SERVICE_ITEMS]).values_list("code", flat=True)
        )
        new = [
            ServiceItem(
                code=code,
                name=name,
                name_en=name_en,
                department=self.departments[dept],
                accept_limit=accept,
                resolve_limit=resolve,
                clock=clock,
                description=description,
            )
            for code, name, name_en, dept, accept, resolve, clock, description in SERVICE_ITEMS
            if code not in existing
        ]
        ServiceItem.objects.bulk_create(new)
        self._count("service items", len(new))

    def _new_user(self, spec: UserSpec) -> User:
        return User(
            username=spec.username,
            password=self._password_hash(),
            email=f"{spec.username}@demo.example.com",
            role=spec.role,
            display_name=spec.display_name,
            phone=spec.phone,
            department=self.departments[spec.department] if spec.department else None,
            park=self.parks[spec.park] if spec.park else None,
            on_leave=spec.on_leave,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
        )

    def _users(self) -> dict[str, User]:
        specs = self.plan.officers + self.plan.others
        existing = set(User.objects.filter(username__in=[s.username for s in specs]).values_list("username", flat=True))
        new = [self._new_user(s) for s in specs if s.username not in existing]
        User.objects.bulk_create(new)
        self.outcome.new_usernames.update(u.username for u in new)
        self._count("officers", sum(u.role == User.Role.OFFICER for u in new))
        self._count("managers and administrators", sum(u.role != User.Role.OFFICER for u in new))

        users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in specs])}
        # Deputies are set on officers created now only: an existing officer keeps what it has.
        with_deputy = []
        for spec in self.plan.officers:
            if spec.deputy and spec.username in self.outcome.new_usernames:
                users[spec.username].deputy = users[spec.deputy]
                with_deputy.append(users[spec.username])
        User.objects.bulk_update(with_deputy, ["deputy"])
        return users

    def _enterprises(self) -> dict[str, Enterprise]:
        codes = [e.credit_code for e in self.plan.enterprises]
        existing = set(Enterprise.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
        new = [
            Enterprise(
                credit_code=spec.credit_code,
                name=spec.name,
                park=self.parks[spec.park],
                industry=spec.industry,
                address=spec.address,
                contact_name=spec.contact_name,
                contact_phone=spec.contact_phone,
                contact_email=spec.contact_email,
                chief_officer=self.users[spec.chief],
                deputy_officer=self.users[spec.deputy] if spec.deputy else None,
            )
            for spec in self.plan.enterprises
            if spec.credit_code not in existing
        ]
        Enterprise.objects.bulk_create(new)
        self._count("enterprises", len(new))
        return {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}

    def _enterprise_users(self) -> None:
        specs = self.plan.enterprise_users
        existing = set(User.objects.filter(username__in=[s.username for s in specs]).values_list("username", flat=True))
        new = []
        for spec in specs:
            if spec.username in existing:
                continue
            user = self._new_user(spec)
            user.enterprise = self.enterprises[spec.enterprise] if spec.enterprise else None
            new.append(user)
        User.objects.bulk_create(new)
        self.outcome.new_usernames.update(u.username for u in new)
        self._count("enterprise users", len(new))

    def _calendar(self) -> None:
        calendar = default_calendar()
        year = clock.today_local().year
        have = years_with_data(calendar)
        for y in (year, year + 1):
            if y in have:
                continue
            try:
                entries = chinesecalendar_entries(y)
            except CalendarDataMissing:
                message = (
                    f"the chinesecalendar package has no holiday data for {y}: deadlines count the plain "
                    f"Monday–Friday week until {y} is loaded (python manage.py import_calendar FILE.csv)"
                )
                if y == year:
                    self.outcome.warnings.append(message)
                else:
                    self.outcome.notes.append(message)
                continue
            result = calendar_days_upsert(calendar=calendar, entries=entries, source=CalendarDay.Source.CHINESECALENDAR)
            self._count(f"calendar days of {y}", result.created)


# --- the logins table -------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def logins_table(plan: Plan, outcome: Outcome) -> str:
    """The well-known demo logins: username, role, who they are, password."""
    first = plan.enterprises[0]
    park_names = {code: name for code, name, *_rest in PARKS}
    dept_names = {code: name for code, name, *_rest in DEPARTMENTS}
    officer1_load = sum(1 for e in plan.enterprises if e.chief == "officer1")
    people = {s.username: s.display_name for s in plan.officers + plan.others + plan.enterprise_users}

    def password(*usernames: str) -> str:
        if outcome.password and all(u in outcome.new_usernames for u in usernames):
            return outcome.password
        return "(unchanged)"

    rows: list[tuple[str, ...]] = [("username", "role", "who", "password")]
    rows.append(("admin", "admin", "administrator, Django admin at /admin/", password("admin")))
    rows.append(("zone", "manager", f"zone manager {people['zone']}, {ZONE['name']}", password("zone")))
    for i, (park_code, *_rest) in enumerate(PARKS, start=1):
        username = f"park{i}"
        rows.append(
            (username, "manager", f"park manager {people[username]}, {park_names[park_code]}", password(username))
        )
    for username, dept_code in DEPARTMENT_HEADS:
        rows.append((username, "manager", f"department head, {dept_names[dept_code]}", password(username)))
    rows.append(
        (
            "officer1",
            "officer",
            f"chief officer {people['officer1']}, {dept_names[SERVICE_CENTRE]}, serves {officer1_load} enterprises",
            password("officer1"),
        )
    )
    last_officer = plan.officers[-1].username
    rows.append(
        (
            f"officer2 … {last_officer}",
            "officer",
            "the other service officers (officer7 and officer12 on leave)",
            password(*(s.username for s in plan.officers[1:])),
        )
    )
    rows.append(("company1", "enterprise", f"user of {first.name}", password("company1")))
    last_company = plan.enterprise_users[-1].username
    rows.append(
        (
            f"company2 … {last_company}",
            "enterprise",
            f"users of the next {len(plan.enterprise_users) - 1} enterprises",
            password(*(s.username for s in plan.enterprise_users[1:])),
        )
    )
    title = f"Park Service Desk demo logins ({ZONE['name']}); every demo user has the same password."
    return f"{title}\n\n{_table(rows)}\n"


# --- the command ------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Load demonstration data: one zone with three parks (郑州台商工业园, 濮阳工业园区, 济宁高新区), "
        "nine departments, 30 service officers, 300 enterprises with valid credit codes and chief officers, "
        "the service catalogue, managers, an administrator, demo logins and this year's working calendar. "
        "Safe to run again: only what is missing is created and no password is changed. The first run "
        "writes the demo logins to .run/demo-logins.txt. The password is --password, else $DEMO_PASSWORD, "
        "else a random one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="Password of the demo users created now (default: $DEMO_PASSWORD, else a random one). "
            "Users that already exist keep theirs.",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing but warnings.")
        parser.add_argument(
            "--no-history",
            action="store_true",
            help=f"Only the organisation: no {WEEKS} weeks of tickets, ratings and visits.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet: bool = options["quiet"]
        password: str | None = options["password"] or os.environ.get("DEMO_PASSWORD") or None
        plan = build_plan(random.Random(SEED))
        with transaction.atomic():
            outcome = Seeder(plan, password).run()
        if not options["no_history"]:
            started = time.monotonic()
            history = seed_history(seed=SEED)
            if history is None:
                outcome.warnings.append("time-machine is not installed: the demo has no history of tickets")
            elif history.counts.get("tickets") and not quiet:
                made = ", ".join(f"{what}: {n}" for what, n in history.counts.items() if n)
                self.stdout.write(
                    self.style.SUCCESS(f"{WEEKS} weeks of history in {time.monotonic() - started:.0f} s: {made}.")
                )

        for warning in outcome.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        logins_path = Path(settings.BASE_DIR) / LOGINS_FILE

        if outcome.new_usernames:
            table = logins_table(plan, outcome)
            logins_path.parent.mkdir(parents=True, exist_ok=True)
            logins_path.write_text(table, encoding="utf-8")
            logins_path.chmod(0o600)
            if not quiet:
                summary = ", ".join(f"{what}: {n}" for what, n in outcome.created.items() if n)
                self.stdout.write(self.style.SUCCESS(f"Demo data created: {summary}."))
                for note in outcome.notes:
                    self.stdout.write(note)
                self.stdout.write("")
                self.stdout.write(table)
                self.stdout.write(f"Logins written to {logins_path}")
            return

        if quiet:
            return
        created = ", ".join(f"{what}: {n}" for what, n in outcome.created.items() if n)
        self.stdout.write(f"demo data already present; passwords unchanged{f' (added {created})' if created else ''}.")
        if options["password"]:
            self.stdout.write("--password was ignored: the demo users exist already.")
        if logins_path.exists():
            self.stdout.write(f"Demo logins: {logins_path}")
        else:
            self.stdout.write(f"Demo logins file {logins_path} is missing; the passwords are those of the first run.")
