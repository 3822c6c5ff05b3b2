"""Search that understands Chinese: one machinery for every searchable text in the desk.

A searchable row keeps a *search document*: its texts cut into words by jieba (search mode,
so 高新技术企业 also yields 高新 / 技术 / 企业), lower-cased, joined by spaces, in a text
column. A query is cut the same way; a row matches when it holds every word of the query
(as a prefix, so 疏 finds 疏通), ranked by how well it matches.

- PostgreSQL: the row's ``tsvector`` stored beside it (a generated column, made with its
  GIN index by :func:`stored_vector_sql` in a migration), ``@@`` to match and ``ts_rank``
  to order the newest :data:`RANKED` matches (a search's cost is bounded, not the number of
  rows a common word is in).
- SQLite (the one-machine default): every word as a substring of the document, no rank.

The package knows nothing of tickets or articles: they store ``document(...)`` of their
texts and call :func:`search` on their own querysets, already scoped to the caller.
"""

from __future__ import annotations

import functools
import logging
import operator
import re
import threading
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import connections
from django.db.models import BooleanField, Case, Expression, F, Field, FloatField, Model, Q, QuerySet, Value, When

__all__ = [
    "MAX_QUERY_WORDS",
    "RANKED",
    "VECTOR",
    "document",
    "gin_index_sql",
    "search",
    "stored_vector_operation",
    "stored_vector_sql",
    "tokens",
    "tsquery",
]

M = TypeVar("M", bound=Model)

VECTOR = "search_vector"
"""The column of a row's stored vector on PostgreSQL (:func:`stored_vector_sql`)."""

RANKED = 500
"""A ranked search on PostgreSQL returns at most this many matches, the newest, ranked among
themselves: ranking every match of a common word at a million rows costs seconds."""

MAX_QUERY_WORDS = 12
"""A query is cut to this many distinct words: longer texts say nothing more to a search."""

_WORD = re.compile(r"\w", re.UNICODE)
_TSQUERY_UNSAFE = re.compile(r"[^\w]", re.UNICODE)
_STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 有 我 我们 你 您 请 吗 呢 吧 啊 把 被 就 都 也 还 这 那 个 一个 什么 怎么 如何".split()  # noqa: SIM905
)
_lock = threading.Lock()


@functools.cache
def _jieba():  # type: ignore[no-untyped-def]
    """jieba with its dictionary loaded once per process (about half a second)."""
    with _lock:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return jieba


def tokens(text: str) -> list[str]:
    """The words of ``text`` in order, in search mode, lower-cased; punctuation, white space
    and the commonest function words dropped. Latin words and numbers stay whole."""
    if not text:
        return []
    out: list[str] = []
    for raw in _jieba().cut_for_search(text):
        word = raw.strip().lower()
        if word and _WORD.search(word) and word not in _STOPWORDS:
            out.append(word)
    return out


def document(*parts: str | None) -> str:
    """The search document of a row made of these texts (store it in a TextField)."""
    return " ".join(word for part in parts if part for word in tokens(part))


def _query_words(text: str) -> list[str]:
    words: list[str] = []
    for word in tokens(text):
        clean = _TSQUERY_UNSAFE.sub("", word)
        if clean and clean not in words:
            words.append(clean)
    return words[:MAX_QUERY_WORDS]


def tsquery(text: str) -> str | None:
    """A PostgreSQL ``to_tsquery('simple', …)`` string: every word, each as a prefix, ANDed.
    None when the text holds no word (then nothing should be searched)."""
    words = _query_words(text)
    return " & ".join(f"{w}:*" for w in words) if words else None


class _Vector(Expression):
    """``template`` with ``{vector}`` as the row's vector — the stored column, or the document
    column parsed by ``to_tsvector`` — of the table of the query being compiled (a subquery
    of the same table names it by its own alias), and the tsquery string as its parameter."""

    def __init__(self, template: str, query: str, column: str, stored: bool, output_field: Field) -> None:  # type: ignore[type-arg]
        super().__init__(output_field=output_field)
        self.template, self.query, self.column, self.stored = template, query, column, stored

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str]]:
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        if self.stored:
            vector = f"{table}.{connection.ops.quote_name(VECTOR)}"
        else:
            vector = f"to_tsvector('simple'::regconfig, {table}.{connection.ops.quote_name(self.column)})"
        return self.template.format(vector=vector), (self.query,)


def search(
    queryset: QuerySet[M],
    text: str,
    *,
    field: str = "search_document",
    rank: bool = True,
    any_word: bool = False,
    also: Q | None = None,
    stored: bool = True,
    evaluate: bool = False,
) -> QuerySet[M]:
    """Rows of ``queryset`` whose ``field`` holds every word of ``text`` (with ``any_word``:
    at least one, for ranking candidates against a long text such as a draft ticket), or
    that match ``also`` (e.g. an exact number).

    On PostgreSQL the rows are annotated with ``search_rank``; when ``rank`` is true the
    result is the newest :data:`RANKED` matches of ``queryset`` (by id, so the last filed),
    ordered by ``ts_rank`` best first, then newest first: the work of a search is bounded
    whatever the number of matches, and older matches beyond those are not returned. The
    match reads the row's stored vector (``stored``: the column :data:`VECTOR`, made by
    :func:`stored_vector_sql`; without it, the document parsed on the fly). ``evaluate``
    reads the ids of those newest matches now, in a query of their own, so that a page and
    its count (two queries) do not both look for them. On SQLite the
    rank is the number of the words held and every match is returned. A text without any
    word returns no rows."""
    words = _query_words(text)
    if not words:
        if also is None:
            return queryset.none()
        return queryset.filter(also).annotate(search_rank=Value(0.0, FloatField()))  # type: ignore[return-value]
    joiner = " | " if any_word else " & "
    column: str = queryset.model._meta.get_field(field).column  # type: ignore[union-attr,assignment]  # a concrete field
    if connections[queryset.db].vendor == "postgresql":
        query = joiner.join(f"{w}:*" for w in words)
        hit = _Vector("{vector} @@ to_tsquery('simple'::regconfig, %s)", query, column, stored, BooleanField())
        score = _Vector("ts_rank({vector}, to_tsquery('simple'::regconfig, %s))", query, column, stored, FloatField())
        hits = queryset.filter(Q(hit) if also is None else Q(hit) | also)
        if not rank:
            return hits.annotate(search_rank=score)  # type: ignore[return-value]
        newest: Any = hits.order_by("-pk").values("pk")[:RANKED]
        if evaluate:
            newest = [row["pk"] for row in newest]
        ranked = queryset.filter(pk__in=newest).annotate(search_rank=score)
        return ranked.order_by(F("search_rank").desc(), "-pk")  # type: ignore[return-value]
    if any_word:
        held = [Case(When(Q(**{f"{field}__icontains": word}), then=Value(1.0)), default=Value(0.0)) for word in words]
        condition = functools.reduce(operator.or_, (Q(**{f"{field}__icontains": word}) for word in words))
        if also is not None:
            condition |= also
        matched = queryset.filter(condition).annotate(
            search_rank=functools.reduce(operator.add, held, Value(0.0, FloatField()))  # type: ignore[arg-type]
        )
        return matched.order_by(F("search_rank").desc(), "-pk") if rank else matched  # type: ignore[return-value]
    condition = Q()
    for word in words:
        condition &= Q(**{f"{field}__icontains": word})
    if also is not None:
        condition |= also
    return queryset.filter(condition).annotate(search_rank=Value(0.0, FloatField()))  # type: ignore[return-value]


def gin_index_sql(table: str, column: str, name: str) -> tuple[str, str]:
    """(create, drop) SQL of the GIN index that :func:`search` uses on PostgreSQL; run it in
    a migration only when ``schema_editor.connection.vendor == "postgresql"``."""
    create = (
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (to_tsvector(\'simple\'::regconfig, "{column}"))'
    )
    return create, f'DROP INDEX IF EXISTS "{name}"'


def stored_vector_sql(table: str, column: str, name: str, *, old_index: str = "") -> tuple[list[str], list[str]]:
    """(forward, backward) SQL that stores a row's vector: a generated column
    ``search_vector`` = ``to_tsvector('simple', column)`` (PostgreSQL keeps it in step with
    every write of the document, COPY included) and the GIN index ``name`` on it, replacing
    the expression index ``old_index``. Run it in a migration only when
    ``schema_editor.connection.vendor == "postgresql"``: the column is not a model field,
    SQLite has no vector, and :func:`search` reads it by name."""
    forward = [
        f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{VECTOR}" tsvector'
        f" GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(\"{column}\", ''))) STORED",
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{VECTOR}")',
    ]
    backward = [f'DROP INDEX IF EXISTS "{name}"', f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "{VECTOR}"']
    if old_index:
        create_old, drop_old = gin_index_sql(table, column, old_index)
        forward.append(drop_old)
        backward.insert(0, create_old)
    return forward, backward


def stored_vector_operation(table: str, column: str, name: str, *, old_index: str = ""):  # type: ignore[no-untyped-def]
    """A migration operation running :func:`stored_vector_sql` on PostgreSQL (nothing
    elsewhere), both ways."""
    from django.db import migrations

    forward_sql, backward_sql = stored_vector_sql(table, column, name, old_index=old_index)

    def run(statements: list[str]):  # type: ignore[no-untyped-def]
        def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements:
                    schema_editor.execute(sql, params=None)

        return apply

    return migrations.RunPython(run(forward_sql), run(backward_sql))


def documents(texts: Iterable[Iterable[str | None]]) -> list[str]:
    """:func:`document` of many rows at once (for backfills and bulk writes)."""
    return [document(*parts) for parts in texts]
