"""Finding tickets by what they say: their search document (textsearch) and the search of
the queue and the API (number, title, description, public replies, enterprise name)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Q, QuerySet

import textsearch

from .models import Ticket

MIN_SUBSTRING = 3
NUMBER = re.compile(r"SD-\d{4}-\d{1,9}", re.IGNORECASE)


def ticket_document(
    *, number: str, title: str, description: str, enterprise_name: str = "", replies: Iterable[str] = ()
) -> str:
    """The search document of a ticket: the words of its texts (textsearch.document)."""
    return textsearch.document(number, title, description, enterprise_name, *replies)


def document_with_reply(current: str, body: str) -> str:
    """The document after a public reply: the reply's words appended."""
    words = textsearch.document(body)
    return f"{current} {words}".strip() if words else current


def ticket_search(
    queryset: QuerySet[Ticket], text: str, *, wide: bool = False, within: textsearch.Within | None = None
) -> QuerySet[Ticket]:
    """Tickets of `queryset` (already scoped) that hold every word of `text`, or, when the
    text holds a fragment of a word (a single character, a part of a number or a Latin
    word: see textsearch.lexeme), whose title holds `text` as a substring (from three
    characters: the trigram index serves no shorter pattern); on PostgreSQL the newest
    `textsearch.RANKED` of them, best first, their ids read at once (one query). A full
    ticket number finds that ticket. Nothing for a text without words.

    A text of whole words is found by its words alone: over the zone's million tickets a
    common title substring costs 20–40 ms to look for, and the words find those titles.
    In a `wide` scope (selectors.wide_scope: the zone, a park) and over the whole table, the
    newest matches are found step by step from the newest (textsearch's walk): there a
    common word's matches are many, and the newest 500 lie in the newest steps. In a narrow
    one (an officer's, a department's, an enterprise's) they are few, and the index finds
    the words and the scope's tags together (`within`: selectors.search_within, which must
    cover `queryset`)."""
    text = (text or "").strip()
    if not text:
        return queryset
    if NUMBER.fullmatch(text):
        also: Q | None = Q(number=text.upper())
    elif len(text) >= MIN_SUBSTRING and not textsearch.whole_words(text):
        also = Q(title__icontains=text)
    else:
        also = None
    # the newest matches are found once, not again by the page's count
    walk = wide or not queryset.query.where
    return textsearch.search(queryset, text, also=also, evaluate=True, walk=walk, within=None if walk else within)
