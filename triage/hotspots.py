"""Hotspots (热点分析 / 高频诉求): what the enterprises in a manager's scope wrote about most
in a period, and how that compares with the period before.

A *theme* is a service item and a keyword: the tickets of that item filed in the period
whose words (the search document that `tickets.search` keeps: jieba's words of the number,
title, description, enterprise name and public replies) hold the keyword. Grouping by the
service item keeps 补贴 of a policy enquiry apart from 补贴 of a financing request, and
says who handles the theme. The counts are tickets, not words: a ticket that repeats a word
counts once.

- Dropped words: one character, anything with a digit (numbers, dates, ticket numbers), the
  stop words below (function words, the desk's own boilerplate such as 您好 or 办理), the
  words of the filing enterprise's own name (so that 华为 is not a theme of 华为's tickets)
  and the words of the service item's name (用水 says nothing about 用水报装's tickets).
- Words of one service item that occur in exactly the same tickets of the period are one
  theme: its `keywords`, the longest first. That folds the parts that jieba's search mode
  yields of a long word (高新技术企业 → 高新, 技术, 高新技术企业) and the words that always go
  together in these tickets (环评 报告 编制), instead of listing each as a theme.
- At most `PER_ITEM` themes per service item (so one busy item does not fill the list), and
  a theme needs `MIN_TICKETS` tickets in the period.
- `previous` counts the same service item and keyword in the period of equal length just
  before; `change` is the difference and `change_rate` the difference over `previous`
  (None when there were none).
- Withdrawn tickets do not count. Every read starts from `ticket_list_for(user)`.

On PostgreSQL the words are counted in the database (`unnest(string_to_array(…))` grouped by
item and word, both periods in one pass); the sample tickets are a second query and the
service items' names a third, whatever the number of themes. SQLite (the one-machine
default) counts the same way in Python.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import F, QuerySet

from servicedesk.models import ServiceItem, User
from tickets import selectors
from tickets.models import COUNTED, Status, Ticket

MAX_LIMIT = 50
DEFAULT_LIMIT = 10
PER_ITEM = 3
MIN_TICKETS = 2
SAMPLES = 3
CANDIDATES_PER_THEME = 20
"""How many (item, word) rows per asked theme are read to fold parts and cap items."""

# Function words and pronouns; the desk's own words (greetings, replies, filings); the
# commonest words of enterprise names; the letters of the ticket numbers (SD-2026-000123);
# English function words.
_STOPWORD_TEXT = """
的 了 和 与 及 或 是 在 有 我 我们 你 您 你们 请 吗 呢 吧 啊 把 被 就 都 也 还 这 那 个 一个 什么 怎么
如何 为 对 从 到 给 让 由 以 于 其 该 此 等 但 而 并 且 已 已经 将 会 能 能否 可以 可否 是否 需要
希望 想 要 请问 一下 一次 一些 目前 现在 今年 去年 明年 今天 近期 近日 多次 没有 不是 不能 因为 所以
如果 以及 还是 或者 哪些 什么样 多少 多久 时候 这个 那个 这些 那些 相关 有关 进行 情况 问题 事项
了解 确认 完成 提供 准备 开始 安排 具体 尽早 及时 进一步
上午 下午 晚上 早上 中午 今天上午 今天下午 昨天 前天 突然 最近
您好 你好 谢谢 感谢 收到 已收到 受理 已受理 尽快 处理 办理 协助 帮助 咨询 反馈 联系 回复 答复 告知
申请 企业 公司 我司 贵司 园区 工单 服务 服务员 首席
有限 有限公司 责任 股份 集团 科技 实业 发展 控股 分公司
sd
the and for with our we you please can could would this that from have has not are was
is to of in on at a an be it by or as
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class HotspotSample:
    id: int
    number: str
    title: str


@dataclass
class Hotspot:
    """One theme: a service item and its keyword (see the module's docstring)."""

    keyword: str
    service_item_id: int
    tickets: int
    previous: int
    keywords: list[str] = field(default_factory=list)  # the keyword first, then the words folded in
    service_item_code: str = ""
    service_item_name: str = ""
    service_item_name_en: str = ""
    sample: list[HotspotSample] = field(default_factory=list)

    @property
    def words(self) -> str:
        """Up to three of the keywords (a part of a word already shown left out)."""
        shown: list[str] = []
        for word in self.keywords:
            if len(shown) < 3 and not any(word in other for other in shown):
                shown.append(word)
        return " / ".join(shown) or self.keyword

    @property
    def label(self) -> str:
        """The service item and the theme's words, e.g. 用电报装 · 生产线 / 增容."""
        return f"{self.service_item_name} · {self.words}" if self.service_item_name else self.words

    @property
    def change(self) -> int:
        return self.tickets - self.previous

    @property
    def change_rate(self) -> float | None:
        return round(self.change / self.previous, 4) if self.previous else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "keyword": self.keyword,
            "keywords": list(self.keywords),
            "tickets": self.tickets,
            "previous": self.previous,
            "change": self.change,
            "change_rate": self.change_rate,
            "service_items": [
                {
                    "id": self.service_item_id,
                    "code": self.service_item_code,
                    "name": self.service_item_name,
                    "name_en": self.service_item_name_en,
                }
            ],
            "sample": [{"id": s.id, "number": s.number, "title": s.title} for s in self.sample],
        }


def usable_word(word: str, company: str = "", item: str = "") -> bool:
    """A word that may name a theme of a ticket filed by `company` under the service item
    named `item` (both lower-cased; see the module's docstring)."""
    return (
        len(word) >= 2
        and not _DIGIT.search(word)
        and word not in STOPWORDS
        and word not in company
        and word not in item
    )


def _scoped(user: User, *, since: dt.datetime, until: dt.datetime, park_id: int | None) -> QuerySet[Ticket]:
    qs = (
        selectors.ticket_list_for(user)
        .select_related(None)
        .order_by()
        .exclude(status=Status.WITHDRAWN)
        .filter(COUNTED, created_at__gte=since, created_at__lt=until)  # a merged pair counts once
    )
    return qs.filter(park_id=park_id) if park_id is not None else qs


def hotspots_for(
    user: User,
    *,
    since: dt.datetime,
    until: dt.datetime,
    previous_since: dt.datetime,
    park_id: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Hotspot]:
    """The top `limit` themes of the tickets in `user`'s scope filed in [since, until),
    compared with [previous_since, since); most tickets first (then the larger growth, then
    the keyword). `park_id` narrows the scope to one park (a park outside it finds nothing)."""
    limit = max(1, min(limit, MAX_LIMIT))
    both = _scoped(user, since=previous_since, until=until, park_id=park_id)
    candidates = limit * CANDIDATES_PER_THEME
    if connections[both.db].vendor == "postgresql":
        rows = _counted_in_sql(both, since=since, candidates=candidates)
    else:
        rows = _counted_in_python(
            both.values_list(
                "id", "service_item_id", "created_at", "search_document", "enterprise__name", "service_item__name"
            ),
            since=since,
        )
    themes = pick_themes(rows, limit=limit)
    if not themes:
        return []
    current = _scoped(user, since=since, until=until, park_id=park_id)
    _add_samples(themes, current)
    items: dict[int, dict[str, Any]] = {
        row["id"]: dict(row)
        for row in ServiceItem.objects.filter(pk__in={t.service_item_id for t in themes}).values(
            "id", "code", "name", "name_en"
        )
    }
    for theme in themes:
        item = items.get(theme.service_item_id, {})
        theme.service_item_code = item.get("code", "")
        theme.service_item_name = item.get("name", "")
        theme.service_item_name_en = item.get("name_en", "")
    return themes


# --- counting ------------------------------------------------------------------------------

Row = tuple[int, str, int, int, str]
"""(service item id, word, tickets in the period, tickets in the previous period, a
fingerprint of the set of the period's tickets that hold the word)"""


def _counted_in_sql(qs: QuerySet[Ticket], *, since: dt.datetime, candidates: int) -> list[Row]:
    base = qs.annotate(
        doc=F("search_document"), company=F("enterprise__name"), item_name=F("service_item__name")
    ).values("id", "service_item_id", "created_at", "doc", "company", "item_name")
    base_sql, base_params = base.query.sql_with_params()
    # the inner SELECT is the scoped queryset's own SQL; the values are parameters
    sql = f"""
        WITH words AS (
            SELECT DISTINCT t.id, t.service_item_id, t.created_at >= %s AS current, w.word
            FROM ({base_sql}) AS t
            CROSS JOIN LATERAL unnest(string_to_array(t.doc, ' ')) AS w(word)
            WHERE char_length(w.word) >= 2
              AND w.word !~ '[0-9]'
              AND NOT (w.word = ANY(%s))
              AND strpos(lower(coalesce(t.company, '')), w.word) = 0
              AND strpos(lower(coalesce(t.item_name, '')), w.word) = 0
        )
        SELECT service_item_id, word,
               count(*) FILTER (WHERE current) AS tickets,
               count(*) FILTER (WHERE NOT current) AS previous,
               md5(string_agg(id::text, ',' ORDER BY id) FILTER (WHERE current)) AS tickets_set
        FROM words
        GROUP BY service_item_id, word
        HAVING count(*) FILTER (WHERE current) >= %s
        ORDER BY tickets DESC, char_length(word) DESC, word
        LIMIT %s
    """  # noqa: S608
    params = [since, *base_params, sorted(STOPWORDS), MIN_TICKETS, candidates]
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(a), str(b), int(c), int(d), str(e)) for a, b, c, d, e in cursor.fetchall()]


def _counted_in_python(rows: Iterable[tuple[int, int, dt.datetime, str, str, str]], *, since: dt.datetime) -> list[Row]:
    """The SQL's counts from (ticket id, service item id, created at, search document,
    enterprise name, service item name) rows."""
    current: dict[tuple[int, str], list[int]] = defaultdict(list)
    previous: dict[tuple[int, str], int] = defaultdict(int)
    for pk, item_id, created_at, document, company, item in rows:
        company, item = (company or "").lower(), (item or "").lower()
        for word in set((document or "").split(" ")):
            if usable_word(word, company, item):
                if created_at >= since:
                    current[(item_id, word)].append(pk)
                else:
                    previous[(item_id, word)] += 1
    found = [
        (item, word, len(ids), previous[(item, word)], ",".join(map(str, sorted(ids))))
        for (item, word), ids in current.items()
        if len(ids) >= MIN_TICKETS
    ]
    found.sort(key=lambda r: (-r[2], -len(r[1]), r[1]))
    return found


def pick_themes(rows: Iterable[Row], *, limit: int) -> list[Hotspot]:
    """The themes from the counted (item, word) rows, most tickets first and, for the same
    count, the longer word first: a word held by exactly the same tickets as a theme of the
    same item is folded into it; at most PER_ITEM themes per item; `limit` themes."""
    per_item: dict[int, list[Hotspot]] = defaultdict(list)
    sets: dict[int, str] = {}  # id(theme) → its tickets' fingerprint
    for item_id, word, tickets, previous, fingerprint in sorted(rows, key=lambda r: (-r[2], -len(r[1]), r[1])):
        kept = per_item[item_id]
        host = next((t for t in kept if t.tickets == tickets and sets[id(t)] == fingerprint), None)
        if host is not None:
            host.keywords.append(word)
            continue
        if len(kept) < PER_ITEM:
            theme = Hotspot(keyword=word, keywords=[word], service_item_id=item_id, tickets=tickets, previous=previous)
            sets[id(theme)] = fingerprint
            kept.append(theme)
    themes = [theme for kept in per_item.values() for theme in kept]
    themes.sort(key=lambda t: (-t.tickets, -t.change, t.keyword, t.service_item_id))
    return themes[:limit]


def _add_samples(themes: list[Hotspot], current: QuerySet[Ticket]) -> None:
    """Up to SAMPLES tickets of each theme, newest first: one query for all themes."""
    wanted = {(t.service_item_id, t.keyword): t for t in themes}
    current = current.filter(service_item_id__in={t.service_item_id for t in themes})
    if connections[current.db].vendor == "postgresql":
        base = current.annotate(doc=F("search_document")).values(
            "id", "number", "title", "service_item_id", "created_at", "doc"
        )
        base_sql, base_params = base.query.sql_with_params()
        sql = f"""
            SELECT service_item_id, word, id, number, title FROM (
                SELECT t.service_item_id, w.word, t.id, t.number, t.title,
                       row_number() OVER (PARTITION BY t.service_item_id, w.word
                                          ORDER BY t.created_at DESC, t.id DESC) AS place
                FROM ({base_sql}) AS t
                CROSS JOIN LATERAL (
                    SELECT DISTINCT u.word FROM unnest(string_to_array(t.doc, ' ')) AS u(word)
                ) AS w
                WHERE (t.service_item_id, w.word) IN (
                    SELECT * FROM unnest(%s::bigint[], %s::text[])
                )
            ) AS ranked
            WHERE place <= %s
            ORDER BY service_item_id, word, place
        """  # noqa: S608
        params = [*base_params, [k[0] for k in wanted], [k[1] for k in wanted], SAMPLES]
        with connections[current.db].cursor() as cursor:
            cursor.execute(sql, params)
            for item_id, word, pk, number, title in cursor.fetchall():
                wanted[(item_id, word)].sample.append(HotspotSample(id=pk, number=number, title=title))
        return
    rows = current.order_by("-created_at", "-id").values_list(
        "id", "number", "title", "service_item_id", "search_document"
    )
    for pk, number, title, item_id, document in rows:
        words = set((document or "").split(" "))
        for theme in themes:
            if theme.service_item_id == item_id and theme.keyword in words and len(theme.sample) < SAMPLES:
                theme.sample.append(HotspotSample(id=pk, number=number, title=title))
