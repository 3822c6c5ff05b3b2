"""Search that understands Chinese: one machinery for every searchable text in the desk.

A searchable row keeps a *search document*: its texts cut into words by jieba (search mode,
so 高新技术企业 also yields 高新 / 技术 / 企业), lower-cased, joined by spaces, in a text
column. A query is cut the same way; a row matches when it holds every word of the query,
ranked by how well it matches. A Chinese word of two characters or more must be held as it
is (search mode already cut the document's longer words into the shorter ones a query may
name); a single character and a Latin or numeric word are prefixes, so 疏 finds 疏通 and
0001 finds the number 000123 (see :func:`lexeme`).

- PostgreSQL: the row's ``tsvector`` stored beside it (a generated column, made with its
  GIN index by :func:`stored_vector_sql` in a migration), ``@@`` to match and ``ts_rank``
  to order the newest :data:`RANKED` matches (a search's cost is bounded, not the number of
  rows a common word is in).
- SQLite (the one-machine default): every word as a substring of the document, no rank.

The package knows nothing of tickets or articles: they store ``document(...)`` of their
texts and call :func:`search` on their own querysets, already scoped to the caller.
"""

from __future__ import annotations

import copy
import functools
import logging
import operator
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    F,
    Field,
    FloatField,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Value,
    When,
)

__all__ = [
    "MAX_QUERY_WORDS",
    "RANKED",
    "STEP",
    "VECTOR",
    "SearchPaginator",
    "Within",
    "document",
    "gin_index_sql",
    "lexeme",
    "ranked_ids",
    "rows_of",
    "search",
    "stored_vector_operation",
    "stored_vector_sql",
    "tag",
    "tokens",
    "tsquery",
    "whole_words",
]

M = TypeVar("M", bound=Model)

VECTOR = "search_vector"
"""The column of a row's stored vector on PostgreSQL (:func:`stored_vector_sql`)."""

RANKED = 500
"""A ranked search on PostgreSQL returns at most this many matches, the newest, ranked among
themselves: ranking every match of a common word at a million rows costs seconds."""

STEP = 20_000
"""Ids per step of a walk (``search(..., walk=True)``). A row's stored vector may hold, beside
its words, the lexeme ``~<id // STEP>`` of its step (``stored_vector_sql(..., steps_of=…)``):
the index then finds a word's rows among one step's ids without reading the word's rows of
every other step."""


def tag(kind: str, value: int) -> str:
    """The lexeme ``~<kind><value>`` that a row's stored vector holds for one of its columns
    (``stored_vector_sql(..., tags={kind: column})``), e.g. ``~a12`` for assignee 12: a
    search :class:`Within` those tags finds the words and the tag in one scan of the index."""
    return f"~{kind}{int(value)}"


@dataclass(frozen=True)
class Within:
    """Where a narrow scope's rows are, for the index: the rows whose stored vector holds one
    of ``tags`` (:func:`tag`), and the rows of ``beside`` (a condition the tags cannot say,
    such as ticket ids). It must cover the queryset searched (every row of it has a tag or
    is beside); the queryset's own conditions are still applied to what is found. The index
    then reads a common word's entries only where they meet the tags', instead of every
    entry of the word, ANDed with the scope's bitmaps."""

    tags: tuple[str, ...]
    beside: Q | None = None

    def tsquery(self) -> str:
        return " | ".join(self.tags)


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


def lexeme(word: str, *, last: bool = True) -> str:
    """A query word as a term of ``to_tsquery('simple', …)``: a Chinese word of two
    characters or more as it is; a single character as a prefix (``word:*``); a Latin or
    numeric word as a prefix when it is the ``last`` of the query (still being typed, or a
    part of a number), as it is otherwise.

    Why not every word as a prefix: the GIN index answers a prefix by merging the rows of
    every entry that starts with it into a bitmap, a common word's 25,000 rows at 1,000,000
    tickets in 50–80 ms, where the word itself is read in about 5 ms (and 2026, a word of
    every ticket number, in none: its rows are skipped over). Search mode cuts a document's
    long words into the dictionary words they hold (排污许可证: 排污 / 许可 / 许可证), and a
    query is cut the same way, so a whole word finds them; a single character is what jieba
    leaves of a word it does not know, or of one not typed to its end."""
    if len(word) > 1 and not word.isascii():
        return word
    return f"{word}:*" if last or len(word) == 1 else word


def _terms(words: list[str], joiner: str = " & ") -> str:
    """The ``to_tsquery`` string of query words (each a :func:`lexeme`), joined."""
    return joiner.join(lexeme(w, last=i == len(words) - 1) for i, w in enumerate(words))


def tsquery(text: str) -> str | None:
    """A PostgreSQL ``to_tsquery('simple', …)`` string: every word (:func:`lexeme`), ANDed.
    None when the text holds no word (then nothing should be searched)."""
    words = _query_words(text)
    return _terms(words) if words else None


def whole_words(text: str) -> bool:
    """True when ``text`` names whole words, not a fragment of one: every word is searched
    as it is (no prefix, see :func:`lexeme`), and every Chinese word is in jieba's
    dictionary or holds one of the query's dictionary words (出口退税 beside 出口 and 退税).
    A word jieba made up of characters it does not know as a word (区停, typed from the
    middle of 厂区停电) is not whole: a caller may then look for the text as a substring."""
    words = _query_words(text)
    if not words or ":*" in _terms(words):
        return False
    known = {w for w in words if not w.isascii() and _jieba().get_FREQ(w)}
    return all(w.isascii() or w in known or any(k in w for k in known) for w in words)


class _Vector(Expression):
    """``template`` with ``{vector}`` as the row's vector — the stored column, or the document
    column parsed by ``to_tsvector`` — of the table of the query being compiled (a subquery
    of the same table names it by its own alias), and the tsquery string as its parameter
    (with ``tags``, a second one: :class:`Within`'s tags as a tsquery)."""

    def __init__(
        self,
        template: str,
        query: str,
        column: str,
        stored: bool,
        output_field: Field,  # type: ignore[type-arg]
        tags: str = "",
    ) -> None:
        super().__init__(output_field=output_field)
        self.template, self.query, self.column, self.stored, self.tags = template, query, column, stored, tags

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[str, ...]]:
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        if self.stored:
            vector = f"{table}.{connection.ops.quote_name(VECTOR)}"
        else:
            vector = f"to_tsvector('simple'::regconfig, {table}.{connection.ops.quote_name(self.column)})"
        return self.template.format(vector=vector), (self.query, self.tags) if self.tags else (self.query,)


class _Ids(Expression):
    """``template`` with ``{pk}`` as the primary key of the query's table and these ids as one
    array parameter (``pk__in`` of 500 ids is 500 parameters to write, send and parse)."""

    template = ""

    def __init__(self, ids: list[int], output_field: Field) -> None:  # type: ignore[type-arg]
        super().__init__(output_field=output_field)
        self.ids = ids

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        pk = connection.ops.quote_name(compiler.query.get_meta().pk.column)
        return self.template.format(pk=f"{table}.{pk}"), (self.ids,)


class _AnyId(_Ids):
    """The rows of these ids."""

    template = "{pk} = ANY(%s::bigint[])"

    def __init__(self, ids: list[int]) -> None:
        super().__init__(ids, BooleanField())


class _Position(_Ids):
    """The place of the row's id in the ids (for ``order_by``: their order)."""

    template = "array_position(%s::bigint[], {pk}::bigint)"

    def __init__(self, ids: list[int]) -> None:
        super().__init__(ids, IntegerField())


_IN_STEP = "(to_tsquery('simple'::regconfig, %s) && ('~' || walk_step.n)::tsquery)"
"""The tsquery parameter ANDed with the lexeme of the walk's current step (:func:`_walk`)."""


class _StepMatch(Expression):
    """The row is among the matches of the tsquery ``query`` in the walk's current step, as
    the index alone finds them (a subquery of the same table with no other condition): the
    rest of the query's conditions are then checked on those rows only, not given to the
    planner to combine with the index step by step (a park's 200,000 rows, at every step)."""

    output_field = BooleanField()

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        alias = compiler.quote_name_unless_alias(compiler.query.base_table)
        meta, quote = compiler.query.get_meta(), connection.ops.quote_name
        pk, table, vector = quote(meta.pk.column), quote(meta.db_table), quote(VECTOR)
        return (  # names are ours, the tsquery a parameter
            f"{alias}.{pk} = ANY(ARRAY(SELECT walk_match.{pk} FROM {table} AS walk_match"  # noqa: S608
            f" WHERE walk_match.{vector} @@ {_IN_STEP}))",
            (self.query,),
        )


def _walk(queryset: QuerySet[Any], query: str, column: str, stored: bool, score: Expression) -> list[tuple[int, float]]:
    """The newest :data:`RANKED` matches of ``query`` in ``queryset`` and their ranks, read
    one step of :data:`STEP` ids at a time from the newest (a lateral join over the steps,
    which stops at the step that completes them): in each step the index reads the word's
    rows of that step only (the step's lexeme is in every row's vector). Over the whole
    table the step's condition is the match itself; in a scope or under a filter, the
    step's matches are found first and the rest is checked on them (:class:`_StepMatch`)."""
    if queryset.query.where:
        step_hit: Expression = _StepMatch(query)
    else:
        step_hit = _Vector("{vector} @@ " + _IN_STEP, query, column, stored, BooleanField())
    step = queryset.filter(Q(step_hit)).annotate(search_rank=score).order_by("-pk").values_list("pk", "search_rank")
    sql, params = step.query.sql_with_params()
    meta, ops = queryset.model._meta, connections[queryset.db].ops
    table, pk = ops.quote_name(meta.db_table), ops.quote_name(meta.pk.column)  # type: ignore[union-attr]
    # the step's query is Django's, its values parameters; names and numbers are ours
    walk_sql = (
        f"SELECT found.* FROM generate_series((SELECT coalesce(max({pk}), 0) FROM {table}) / {STEP}, 0, -1)"  # noqa: S608
        f" AS walk_step(n) CROSS JOIN LATERAL ({sql}) AS found LIMIT {RANKED}"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(walk_sql, params)
        return [(int(pk_), float(rank)) for pk_, rank in cursor.fetchall()]


def rows_of(queryset: QuerySet[M], ids: list[int]) -> QuerySet[M]:
    """The rows of ``queryset`` with these ids, in the order of the ids."""
    return queryset.filter(_AnyId(ids)).order_by(_Position(ids))


def _narrowed(queryset: QuerySet[M], ids: list[int], part: list[int]) -> QuerySet[M]:
    """``queryset`` (``rows_of(..., ids)``, with whatever was filtered after) reading the rows
    of ``part`` only, in its order: the condition on every id found becomes one on the page's
    own (the index is probed for 50 ids, not 500, and each row is placed among 50), and every
    other condition stays. Falls back to adding ``part``'s condition."""
    narrowed = queryset.all()
    where = narrowed.query.where
    children = [] if where.negated else where.children
    for i, child in enumerate(children):
        lhs = getattr(child, "lhs", None)
        if isinstance(lhs, _AnyId) and lhs.ids is ids:
            page_ids, condition = copy.copy(lhs), copy.copy(child)
            page_ids.ids = part
            condition.lhs = page_ids  # type: ignore[union-attr]  # a lookup: it has an lhs
            children[i] = condition
            return narrowed.order_by(_Position(part))
    return rows_of(queryset, part)


def ranked_ids(queryset: QuerySet[Any]) -> list[int] | None:
    """The ids an evaluated search (``search(..., evaluate=True)``) found, best first, while
    ``queryset`` is still in the search's order; None for any other queryset (another order
    chosen, or not a search). A paginator counts them and reads a page's rows by its slice
    of them (:func:`rows_of`) instead of sorting every match in SQL."""
    order = queryset.query.order_by
    if len(order) == 1 and isinstance(order[0], _Position):
        return order[0].ids
    return None


class SearchPaginator(Paginator):  # type: ignore[type-arg]
    """Django's paginator, which counts an evaluated search (``search(..., evaluate=True)``)
    by the ids it found and reads a page's rows by its slice of them (:func:`ranked_ids`):
    no count query, and no sorting of every match for one page. Anything else it pages as
    Django's does."""

    @cached_property
    def _found(self) -> list[int] | None:
        return ranked_ids(self.object_list) if isinstance(self.object_list, QuerySet) else None

    @cached_property
    def count(self) -> int:
        return super().count if self._found is None else len(self._found)

    def page(self, number: Any) -> Page:  # type: ignore[type-arg]
        page = super().page(number)
        if self._found is not None:
            bottom = (page.number - 1) * self.per_page
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            page.object_list = _narrowed(self.object_list, self._found, self._found[bottom:top])  # type: ignore[arg-type]
        return page


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
    walk: bool = False,
    within: Within | None = None,
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
    reads the ids and ranks of those newest matches now, in one query, and returns the rows
    of those ids in rank order (not annotated), so that a page and its count (two queries)
    neither look for the matches again nor rank them. ``walk`` (with ``evaluate``, for a
    queryset that holds most of its table, such as the whole zone's tickets, and a stored
    vector with steps): when no word is a prefix, the newest matches of the words are found
    step by step from the newest ids, and the search stops at the step that completes them,
    instead of reading every match of a common word; ``also``'s newest are read on their
    own and the newest of both kept (over the whole table only: in a scope or under a
    filter, a search with ``also`` is not walked). ``within`` (a narrow scope's
    :class:`Within`, for a search that is not walked, over a stored vector with its tags):
    the words are looked for together with the scope's tags. On SQLite the
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
        # a draft's words rank candidates (any_word): each a prefix, as the measured similar-
        # ticket precision was; a search: whole words (lexeme)
        query = joiner.join(f"{w}:*" for w in words) if any_word else _terms(words, joiner)
        hit = _Vector("{vector} @@ to_tsquery('simple'::regconfig, %s)", query, column, stored, BooleanField())
        score = _Vector("ts_rank({vector}, to_tsquery('simple'::regconfig, %s))", query, column, stored, FloatField())
        found_by = Q(hit)
        if within is not None and within.tags and stored and not any_word:
            template = "{vector} @@ (to_tsquery('simple'::regconfig, %s) && %s::tsquery)"
            found_by = Q(_Vector(template, query, column, stored, BooleanField(), tags=within.tsquery()))
            if within.beside is not None:
                found_by |= within.beside & Q(hit)
        hits = queryset.filter(found_by if also is None else found_by | also)
        if not rank:
            return hits.annotate(search_rank=score)  # type: ignore[return-value]
        newest: Any = hits.order_by("-pk")
        if evaluate:
            # one query: the newest matches and their ranks; the page reads its rows by id
            # in that order, the count counts the ids (one array, not a parameter each)
            # `also` beside a scope or a filter: its own newest would be looked for among
            # every row of the scope (the title's substring in 31,000 open tickets, 170 ms)
            if walk and ":*" not in query and (also is None or not queryset.query.where):
                found = _walk(queryset, query, column, stored, score)
                if also is not None:
                    # what `also` adds: its own newest, then the newest of both
                    more = queryset.filter(also).annotate(search_rank=score).order_by("-pk")
                    found = sorted({*found, *more.values_list("pk", "search_rank")[:RANKED]}, reverse=True)[:RANKED]
            else:
                found = list(newest.annotate(search_rank=score).values_list("pk", "search_rank")[:RANKED])
            found.sort(key=lambda row: (-row[1], -row[0]))
            ids = [pk for pk, _rank in found]
            if not ids:
                return queryset.none()
            return rows_of(queryset, ids)
        ranked = queryset.filter(pk__in=newest.values("pk")[:RANKED]).annotate(search_rank=score)
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


def stored_vector_sql(
    table: str,
    column: str,
    name: str,
    *,
    old_index: str = "",
    steps_of: str = "",
    tags: dict[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """(forward, backward) SQL that stores a row's vector: a generated column
    ``search_vector`` = ``to_tsvector('simple', column)`` (PostgreSQL keeps it in step with
    every write of the document, COPY included) and the GIN index ``name`` on it, replacing
    the expression index ``old_index``. With ``steps_of`` (the id column), the vector also
    holds the row's step, ``~<id // STEP>``, for :func:`search`'s walk; with ``tags`` (a
    letter for each column, ``{"a": "assignee_id"}``), the :func:`tag` of each column's value
    that is not null, for a search :class:`Within` a scope. Run it in a migration
    only when ``schema_editor.connection.vendor == "postgresql"``: the column is not a model
    field, SQLite has no vector, and :func:`search` reads it by name."""
    vector = f"to_tsvector('simple'::regconfig, coalesce(\"{column}\", ''))"
    if steps_of:
        vector += f" || array_to_tsvector(ARRAY['~' || (\"{steps_of}\" / {STEP})::text])"
    if tags:
        values = ", ".join(f"'~{kind}' || \"{tagged}\"::text" for kind, tagged in tags.items())
        vector += f" || array_to_tsvector(array_remove(ARRAY[{values}], NULL))"
    forward = [
        f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{VECTOR}" tsvector GENERATED ALWAYS AS ({vector}) STORED',
        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{VECTOR}")',
    ]
    backward = [f'DROP INDEX IF EXISTS "{name}"', f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "{VECTOR}"']
    if old_index:
        create_old, drop_old = gin_index_sql(table, column, old_index)
        forward.append(drop_old)
        backward.insert(0, create_old)
    return forward, backward


def stored_vector_operation(  # type: ignore[no-untyped-def]
    table: str,
    column: str,
    name: str,
    *,
    old_index: str = "",
    steps_of: str = "",
    tags: dict[str, str] | None = None,
    replaces: dict[str, Any] | None = None,
):
    """A migration operation running :func:`stored_vector_sql` on PostgreSQL (nothing
    elsewhere), both ways. With ``steps_of`` or ``tags``, it replaces a stored vector made
    with ``replaces`` (:func:`stored_vector_sql`'s keywords; none: the words alone) by this
    one (and back): the column and its index are made again, and the table analyzed."""
    from django.db import migrations

    forward_sql, backward_sql = stored_vector_sql(
        table, column, name, old_index=old_index, steps_of=steps_of, tags=tags
    )
    if steps_of or tags:
        # the planner's statistics of the new column (the rows' words) come with it
        previous, drop = stored_vector_sql(table, column, name, **(replaces or {}))
        analyze = f'ANALYZE "{table}"'
        forward_sql, backward_sql = [*drop, *forward_sql, analyze], [*drop, *previous, analyze]

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
