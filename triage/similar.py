"""Similar open tickets: what else in the caller's scope says the same thing.

Candidates are the open tickets in scope that share at least one word with the text (the
tickets' search documents, under their GIN index on PostgreSQL), best first. The
`CANDIDATES` best are scored in Python, the same way on every database: their title and the
head of their description are cut into words by jieba (`textsearch.tokens`) and compared
with the text's words by `pg_trgm`'s measure on the space-joined words (shared trigrams
*of words*, so 发票 and 电子发票 count for something), title to title, description to
description and the whole to the whole; the same service item and the same park add a little.
Comparing characters instead (pg_trgm on the raw Chinese text, which has no spaces) misses
almost every duplicate written in other words: see docs/triage.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Substr

import textsearch
from servicedesk.models import User
from tickets import selectors
from tickets.models import OPEN_STATUSES, Status, Ticket

CANDIDATES = 40
"""How many open tickets sharing a word with the text are scored."""
# tuned on half of the labelled sample's duplicate groups, reported on the other half (docs/triage.md)
TITLE_WEIGHT = 0.1
DESCRIPTION_WEIGHT = 0.25
TEXT_WEIGHT = 0.65
"""Weights of the likeness of the titles, of the descriptions and of the whole texts (sum 1)."""
MIN_SIMILARITY = 0.16
"""Below this a ticket is not shown as similar."""
SAME_ITEM_BONUS = 0.05
SAME_PARK_BONUS = 0.02
DESCRIPTION_CHARS = 400
MIN_TEXT = 2


@dataclass(frozen=True)
class SimilarTicket:
    id: int
    number: str
    title: str
    status: str
    similarity: float

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams of a text: each word padded with two blanks in front and one
    behind, lower-cased (Chinese characters count as word characters, as in a UTF-8 database)."""
    grams: set[str] = set()
    for word in "".join(c if c.isalnum() else " " for c in text.lower()).split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's `similarity(a, b)`: shared trigrams over all trigrams of the two texts."""
    left, right = _trigrams(a), _trigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _score(title_sim: float, description_sim: float, text_sim: float, same_item: bool, same_park: bool) -> float:
    text = TITLE_WEIGHT * title_sim + DESCRIPTION_WEIGHT * description_sim + TEXT_WEIGHT * text_sim
    bonus = (SAME_ITEM_BONUS if same_item else 0.0) + (SAME_PARK_BONUS if same_park else 0.0)
    return round(min(1.0, text + bonus), 3) if text > 0 else 0.0


def similar_open_tickets(
    user: User,
    *,
    title: str,
    description: str = "",
    service_item_id: int | None = None,
    park_id: int | None = None,
    exclude_id: int | None = None,
    limit: int = 5,
    within: QuerySet[Ticket] | None = None,
) -> list[SimilarTicket]:
    """The open tickets in `user`'s scope most like the text, best first (at most `limit`).
    A text of fewer than two characters gets nothing."""
    title = (title or "").strip()[:200]
    description = (description or "").strip()[:DESCRIPTION_CHARS]
    if len((title + description).strip()) < MIN_TEXT:
        return []
    scoped = within if within is not None else selectors.ticket_list_for(user)
    qs = scoped.select_related(None).filter(status__in=OPEN_STATUSES)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    candidates = textsearch.search(qs, f"{title} {description}", any_word=True)
    rows = list(
        candidates.annotate(head=Substr("description", 1, DESCRIPTION_CHARS)).values(
            "id", "number", "title", "status", "service_item_id", "park_id", "head"
        )[:CANDIDATES]
    )
    title_words = " ".join(textsearch.tokens(title))
    description_words = " ".join(textsearch.tokens(description)) or title_words
    text_words = " ".join(filter(None, (title_words, description_words if description else "")))
    found = []
    for row in rows:
        row_title = " ".join(textsearch.tokens(row["title"]))
        row_description = " ".join(textsearch.tokens(row["head"]))
        similarity = _score(
            trigram_similarity(row_title, title_words),
            trigram_similarity(row_description, description_words),
            trigram_similarity(f"{row_title} {row_description}", text_words),
            service_item_id is not None and row["service_item_id"] == service_item_id,
            park_id is not None and row["park_id"] == park_id,
        )
        found.append(SimilarTicket(row["id"], row["number"], row["title"], row["status"], similarity))
    found = [t for t in found if t.similarity >= MIN_SIMILARITY]
    found.sort(key=lambda t: (-t.similarity, -t.id))
    return found[:limit]


def similar_to_ticket(user: User, ticket: Ticket, *, limit: int = 5) -> list[SimilarTicket]:
    """The open tickets in `user`'s scope that say what `ticket` says (itself excluded)."""
    return similar_open_tickets(
        user,
        title=ticket.title,
        description=ticket.description,
        service_item_id=ticket.service_item_id,
        park_id=ticket.park_id,
        exclude_id=ticket.pk,
        limit=limit,
    )
