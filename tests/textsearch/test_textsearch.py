"""The search machinery on its own: words, documents, queries, and the search over a real
table of its own (made and dropped by the test), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection, models
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

import textsearch


def test_tokens_cut_chinese_in_search_mode_and_drop_punctuation() -> None:
    words = textsearch.tokens("申请高新技术企业认定需要哪些材料？")
    assert "高新技术" in words
    assert {"高新", "技术", "企业", "认定", "材料"} <= set(words)
    assert "？" not in words


def test_tokens_keep_latin_words_and_numbers_whole_and_lower_case() -> None:
    assert textsearch.tokens("VPN 无法连接 ERR-651") == ["vpn", "无法", "连接", "err", "651"]


@pytest.mark.parametrize("text", ["", "   ", "？！。", "的了"])
def test_a_text_without_words_gives_no_query(text: str) -> None:
    assert textsearch.tsquery(text) is None


def test_tsquery_ands_whole_words_and_strips_operators() -> None:
    assert textsearch.tsquery("污水 & 堵塞 | !") == "污水 & 堵塞"


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("排污许可证", "排污 & 许可 & 许可证"),  # whole words, as search mode cuts documents
        ("疏", "疏:*"),  # a single character: the start of a word
        ("污许可", "污:* & 许可"),  # a fragment: what jieba leaves of 排污 is a prefix
        ("2026-0001", "2026 & 0001:*"),  # a part of a number: its last word still typed
        ("wifi 密码", "wifi & 密码"),
        ("VPN", "vpn:*"),
    ],
)
def test_chinese_words_are_whole_single_characters_and_the_last_latin_word_prefixes(text: str, query: str) -> None:
    assert textsearch.tsquery(text) == query


def test_whole_words_tells_a_text_of_words_from_a_fragment() -> None:
    assert textsearch.whole_words("厂区 停电")
    assert not textsearch.whole_words("区停")  # typed from the middle of 厂区停电: no dictionary word
    assert textsearch.whole_words("出口退税 进度")  # 出口退税 is cut into 出口 and 退税
    assert not textsearch.whole_words("招聘 普工")  # 普工 is no dictionary word
    assert not textsearch.whole_words("2026-0001")
    assert not textsearch.whole_words("？！")


def test_a_long_query_is_capped() -> None:
    text = " ".join(f"w{i}" for i in range(40))
    query = textsearch.tsquery(text)
    assert query is not None
    assert query.count("&") == textsearch.MAX_QUERY_WORDS - 1


def test_document_joins_the_words_of_every_part() -> None:
    assert textsearch.document("污水管道堵塞", None, "请疏通") == "污水 管道 堵塞 疏通"


def test_gin_index_sql_names_the_same_expression_search_uses() -> None:
    create, drop = textsearch.gin_index_sql("t", "doc", "t_doc_fts")
    assert "USING gin (to_tsvector('simple'::regconfig, \"doc\"))" in create
    assert drop == 'DROP INDEX IF EXISTS "t_doc_fts"'


class Note(models.Model):
    title = models.CharField(max_length=100)
    search_document = models.TextField(default="")
    owner = models.IntegerField(null=True)

    class Meta:
        app_label = "textsearch_tests"
        db_table = "textsearch_test_note"

    def __str__(self) -> str:
        return self.title


@pytest.fixture
def notes(transactional_db: None) -> Iterator[dict[str, Note]]:
    with connection.schema_editor() as editor:
        editor.create_model(Note)
        if connection.vendor == "postgresql":
            table = Note._meta.db_table
            forward, _ = textsearch.stored_vector_sql(table, "search_document", "textsearch_test_note_fts")
            for sql in forward:
                editor.execute(sql)
    try:
        texts = {
            "drain": "厂区门口污水管道堵塞，雨后积水严重，请尽快疏通",
            "drain2": "污水井冒水",
            "permit": "高新技术企业认定咨询：需要准备哪些申报材料",
            "power": "配电房跳闸，车间停电，生产线停工",
        }
        yield {k: Note.objects.create(title=k, search_document=textsearch.document(t)) for k, t in texts.items()}
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Note)


def found(text: str) -> list[str]:
    return [n.title for n in textsearch.search(Note.objects.all(), text)]


def test_every_word_of_the_query_must_match(notes: dict[str, Note]) -> None:
    assert found("污水 疏通") == ["drain"]
    assert found("污水 停电") == []


def test_words_match_as_prefixes_and_across_word_boundaries(notes: dict[str, Note]) -> None:
    assert found("高新技术企业") == ["permit"]
    assert sorted(found("污水")) == ["drain", "drain2"]


def test_a_query_without_words_finds_nothing(notes: dict[str, Note]) -> None:
    assert found("？？") == []


def test_postgresql_ranks_the_better_match_first_and_uses_the_index(notes: dict[str, Note]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("ranking and the GIN index are PostgreSQL's")
    Note.objects.create(title="drain3", search_document=textsearch.document("污水 污水 污水管道 管道 堵塞"))
    ranked = found("污水管道")
    assert ranked[0] == "drain3"
    assert set(ranked) == {"drain", "drain3"}
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = textsearch.search(Note.objects.all(), "污水", rank=False).query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    assert "textsearch_test_note_fts" in plan


def test_any_word_finds_rows_holding_some_words_the_fuller_match_first(notes: dict[str, Note]) -> None:
    ranked = [n.title for n in textsearch.search(Note.objects.all(), "污水管道堵塞 停电 了", any_word=True)]
    assert set(ranked) == {"drain", "drain2", "power"}
    assert ranked[0] == "drain"  # holds 污水, 管道 and 堵塞
    assert textsearch.search(Note.objects.all(), "？？", any_word=True).count() == 0


def test_also_adds_rows_that_match_another_condition(notes: dict[str, Note]) -> None:
    rows = textsearch.search(Note.objects.all(), "停电", also=Q(title="permit"))
    assert sorted(n.title for n in rows) == ["permit", "power"]
    # a text without words finds only what `also` finds
    assert [n.title for n in textsearch.search(Note.objects.all(), "？", also=Q(title="drain2"))] == ["drain2"]


def test_stored_vector_sql_adds_a_generated_column_and_its_index_in_place_of_the_old_one() -> None:
    forward, backward = textsearch.stored_vector_sql("t", "doc", "t_vec", old_index="t_doc_fts")
    assert "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(\"doc\", ''))) STORED" in forward[0]
    assert forward[1] == 'CREATE INDEX IF NOT EXISTS "t_vec" ON "t" USING gin ("search_vector")'
    assert forward[2] == 'DROP INDEX IF EXISTS "t_doc_fts"'
    assert backward[0].startswith('CREATE INDEX IF NOT EXISTS "t_doc_fts"')
    assert backward[-1] == 'ALTER TABLE "t" DROP COLUMN IF EXISTS "search_vector"'


def test_stored_vector_sql_with_steps_adds_each_rows_step_to_its_vector() -> None:
    forward, _ = textsearch.stored_vector_sql("t", "doc", "t_vec", steps_of="id")
    assert f"|| array_to_tsvector(ARRAY['~' || (\"id\" / {textsearch.STEP})::text])) STORED" in forward[0]


@pytest.fixture
def stepped(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Note]]:
    """Notes whose stored vector holds their step of ids, two ids a step, and their owner's
    tag (PostgreSQL): owners 1, 2, none, 1, 2, none, ..."""
    if connection.vendor != "postgresql":
        pytest.skip("the stored vector is PostgreSQL's")
    monkeypatch.setattr(textsearch, "STEP", 2)
    with connection.schema_editor() as editor:
        editor.create_model(Note)
        table, tags = Note._meta.db_table, {"o": "owner"}
        forward, _ = textsearch.stored_vector_sql(table, "search_document", "t_note_vec", steps_of="id", tags=tags)
        for sql in forward:
            editor.execute(sql)
    try:
        texts = ["污水管道堵塞", "车间停电", "污水井冒水", "路灯损坏", "污水 污水 外溢", "停电 污水", "道路积水"]
        texts.append("污水")
        owners = [1, 2, None]
        yield [
            Note.objects.create(title=f"n{i}", search_document=textsearch.document(t), owner=owners[i % 3])
            for i, t in enumerate(texts)
        ]
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(Note)


def _evaluated(text: str, *, walk: bool) -> list[str]:
    return [n.title for n in textsearch.search(Note.objects.all(), text, evaluate=True, walk=walk)]


def test_the_walk_finds_what_the_whole_search_finds(stepped: list[Note], monkeypatch: pytest.MonkeyPatch) -> None:
    # every match, over four steps of two ids: the same rows in the same order
    assert _evaluated("污水", walk=True) == _evaluated("污水", walk=False)
    assert set(_evaluated("污水", walk=True)) == {"n0", "n2", "n4", "n5", "n7"}
    assert _evaluated("停电 污水", walk=True) == ["n5"]
    assert _evaluated("暖气", walk=True) == []
    # the newest three: the walk stops in the step that completes them (n4 of the five)
    monkeypatch.setattr(textsearch, "RANKED", 3)
    assert set(_evaluated("污水", walk=True)) == set(_evaluated("污水", walk=False)) == {"n4", "n5", "n7"}


def test_the_walk_in_a_scope_checks_it_on_each_steps_matches(stepped: list[Note], monkeypatch: pytest.MonkeyPatch):
    # a filter on the rows (a park, a status): the index finds a step's matches, the filter
    # is checked on those; the same rows as the whole search
    scope = Note.objects.filter(title__in=["n0", "n2", "n5", "n6"])
    walked = [n.title for n in textsearch.search(scope, "污水", evaluate=True, walk=True)]
    plain = [n.title for n in textsearch.search(scope, "污水", evaluate=True, walk=False)]
    assert walked == plain
    assert set(walked) == {"n0", "n2", "n5"}
    monkeypatch.setattr(textsearch, "RANKED", 2)
    with CaptureQueriesContext(connection) as ran:
        assert {n.title for n in textsearch.search(scope, "污水", evaluate=True, walk=True)} == {"n2", "n5"}
    (walk,) = (q["sql"] for q in ran.captured_queries if "walk_step" in q["sql"])
    assert "walk_match" in walk


def test_a_search_within_tags_finds_what_the_scope_alone_finds(stepped: list[Note]) -> None:
    # owner 1's notes, and n2 (no owner) beside them: the tags must cover the scope
    scope = Note.objects.filter(Q(owner=1) | Q(title="n2"))
    within = textsearch.Within((textsearch.tag("o", 1),), beside=Q(title="n2"))
    with CaptureQueriesContext(connection) as ran:
        tagged = [n.title for n in textsearch.search(scope, "污水", evaluate=True, within=within)]
    assert tagged == [n.title for n in textsearch.search(scope, "污水", evaluate=True)]
    assert set(tagged) == {"n0", "n2"}  # n3 is owner 1's but says 路灯损坏
    assert "'~o1'" in ran.captured_queries[0]["sql"]
    # the tags alone: what the vector holds, nulls left out
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM textsearch_test_note WHERE search_vector @@ '~o2'::tsquery ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["n1", "n4", "n7"]
    # a scope the tags do not cover loses its rows: the caller must name them all
    uncovered = textsearch.Within((textsearch.tag("o", 1),))
    assert {n.title for n in textsearch.search(scope, "污水", evaluate=True, within=uncovered)} == {"n0"}


def test_the_walk_reads_the_steps_from_the_newest(stepped: list[Note], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textsearch, "RANKED", 1)
    with CaptureQueriesContext(connection) as ran:
        assert _evaluated("污水", walk=True) == ["n7"]
    (walk,) = (q["sql"] for q in ran.captured_queries if "walk_step" in q["sql"])
    assert "generate_series" in walk and "LIMIT 1" in walk


def test_an_evaluated_search_pages_by_its_ids(stepped: list[Note]) -> None:
    rows = textsearch.search(Note.objects.all(), "污水", evaluate=True)
    ids = textsearch.ranked_ids(rows)
    assert ids == [n.pk for n in rows]
    assert [n.pk for n in textsearch.rows_of(rows, ids[1:3])] == ids[1:3]
    # another order chosen: not the search's ids any more
    assert textsearch.ranked_ids(rows.order_by("pk")) is None
    assert textsearch.ranked_ids(Note.objects.all()) is None


def test_a_page_of_an_evaluated_search_reads_its_own_ids_under_later_filters(stepped: list[Note]) -> None:
    rows = textsearch.search(Note.objects.all(), "污水", evaluate=True)
    ids = textsearch.ranked_ids(rows)
    assert ids is not None and len(ids) == 5
    # a filter given after the search stays, and the page is the ranked list's slice of it
    kept = rows.exclude(title="n7")
    paginator = textsearch.SearchPaginator(kept, 2)
    assert paginator.count == 5  # the ids found: what the filter after drops is not recounted
    with CaptureQueriesContext(connection) as ran:
        second = [n.pk for n in paginator.page(2).object_list]
    assert second == [pk for pk in ids[2:4] if pk != Note.objects.get(title="n7").pk]
    (sql,) = (q["sql"] for q in ran.captured_queries)
    # the page's ids only, not every id found
    others = [str(pk) for pk in ids if pk not in ids[2:4]]
    assert not any(f"{pk}," in sql or f"{pk}}}" in sql for pk in others)
    assert "n7" in sql  # the later filter


def test_postgresql_keeps_the_stored_vector_in_step_with_the_document(notes: dict[str, Note]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the stored vector is PostgreSQL's")
    power = notes["power"]
    assert found("停电") == ["power"]
    Note.objects.filter(pk=power.pk).update(search_document=textsearch.document("路灯 损坏"))
    assert found("停电") == []
    assert found("路灯") == ["power"]


def test_postgresql_ranks_only_the_newest_matches(notes: dict[str, Note], monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the bounded ranking is PostgreSQL's")
    # given: two matches older than two newer ones, the newest of which matches best
    Note.objects.create(title="valve", search_document=textsearch.document("污水阀门漏水"))
    Note.objects.create(title="flood", search_document=textsearch.document("污水 污水 污水 外溢"))
    # when: only two are ranked
    monkeypatch.setattr(textsearch, "RANKED", 2)
    # then: the two newest matches, the better first; the older ones are not returned
    assert found("污水") == ["flood", "valve"]
    # and with room for all, all are ranked: the best first, equal ranks newest first
    monkeypatch.setattr(textsearch, "RANKED", 500)
    ranked = found("污水")
    assert ranked[0] == "flood"
    assert set(ranked) == {"flood", "valve", "drain", "drain2"}
