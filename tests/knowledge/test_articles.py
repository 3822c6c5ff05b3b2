"""The knowledge base: who sees which article (drafts only in their writers' scope, 404
outside), the states and their 409s, versions and restore, Chinese search, suggestions for a
draft ticket, "this solved it" (a deflection, counted once), articles from resolved tickets
without the enterprise's details, attachments through the upload checks, and the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge import articles
from knowledge.models import Article, ArticleStatus, Deflection
from tests.factories import ManagerFactory, OfficerFactory
from tests.tickets import conftest as tickets_conftest
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

clock = tickets_conftest.clock
world = tickets_conftest.world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _article(world: Any, *, author: Any = None, publish: bool = True, **fields: Any) -> Article:
    values = {
        "title": "新厂房用电报装怎么办理",
        "body": "一、申请材料：营业执照、用电申请表。\n二、办理时限：10个工作日。",
        "service_item": world.item,
        **fields,
    }
    author = author or world.power_officer
    article = articles.article_create(actor=author, **values)
    if publish:
        article = articles.article_transition(actor=author, article_id=article.pk, action="publish")
    return article


# --- scope ----------------------------------------------------------------------------------


def test_an_enterprise_sees_published_articles_of_its_park_and_the_zone_never_drafts(world, api_as):
    zone_wide = _article(world, title="高新技术企业认定指南")
    own_park = _article(world, author=world.park_manager, title="本园区厂房租赁指南")
    other_park = _article(world, author=world.other_park_manager, title="其他园区停车指南")
    draft = _article(world, title="草稿：电价调整", publish=False)

    listed = api_as(world.company).get("/api/v1/articles/").json()
    ids = {row["id"] for row in listed["results"]}

    assert ids == {zone_wide.pk, own_park.pk}
    for hidden in (other_park, draft):
        assert api_as(world.company).get(f"/api/v1/articles/{hidden.pk}/").status_code == 404
    assert api_as(world.other_company).get(f"/api/v1/articles/{own_park.pk}/").status_code == 404


def test_drafts_stay_in_their_writers_scope(world, api_as):
    draft = _article(world, publish=False)  # by the power department's officer

    assert api_as(world.power_officer).get(f"/api/v1/articles/{draft.pk}/").status_code == 200
    assert api_as(world.dept_head).get(f"/api/v1/articles/{draft.pk}/").status_code == 200  # head of power
    assert api_as(world.zone_manager).get(f"/api/v1/articles/{draft.pk}/").status_code == 200
    assert api_as(world.chief).get(f"/api/v1/articles/{draft.pk}/").status_code == 404  # another department


def test_only_officers_and_managers_write(world, api_as):
    response = api_as(world.company).post("/api/v1/articles/", {"title": "x", "body": "y"}, format="json")
    assert response.status_code == 403

    other_officer = OfficerFactory(department=world.service_dept)
    article = _article(world)
    response = api_as(other_officer).patch(f"/api/v1/articles/{article.pk}/", {"title": "改"}, format="json")
    assert response.status_code == 403  # published, so visible, but not theirs to change
    assert Article.objects.get(pk=article.pk).title == "新厂房用电报装怎么办理"


def test_bad_input_is_a_field_error(world, api_as):
    client = api_as(world.power_officer)
    assert client.post("/api/v1/articles/", {"title": "", "body": "正文"}, format="json").status_code == 400
    response = client.post("/api/v1/articles/", {"title": ["x"], "body": 5}, format="json")
    assert response.status_code == 400
    assert client.post("/api/v1/articles/", {"title": "a\x00", "body": "b"}, format="json").status_code == 400
    assert Article.objects.count() == 0


# --- states and versions ----------------------------------------------------------------------


def test_states_move_draft_published_archived_and_refuse_the_rest_with_409(world, api_as):
    client = api_as(world.power_officer)
    created = client.post(
        "/api/v1/articles/", {"title": "用电报装", "body": "材料清单", "service_item": world.item.code}, format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.json()["url"] == f"/guides/{pk}/"

    assert client.post(f"/api/v1/articles/{pk}/publish/").json()["status"] == "published"
    response = client.post(f"/api/v1/articles/{pk}/publish/")
    assert response.status_code == 409
    assert client.post(f"/api/v1/articles/{pk}/archive/").json()["status"] == "archived"
    assert client.post(f"/api/v1/articles/{pk}/archive/").status_code == 409
    assert client.post(f"/api/v1/articles/{pk}/unpublish/").json()["status"] == "draft"
    assert Article.objects.get(pk=pk).published_at is not None


def test_every_change_is_a_version_and_an_old_one_can_be_restored(world, api_as):
    client = api_as(world.power_officer)
    pk = client.post("/api/v1/articles/", {"title": "第一版", "body": "旧的办理流程"}, format="json").json()["id"]
    client.patch(f"/api/v1/articles/{pk}/", {"body": "新的办理流程"}, format="json")
    client.patch(f"/api/v1/articles/{pk}/", {"body": "新的办理流程"}, format="json")  # no change, no version
    editor = ManagerFactory(department=world.power_dept)
    api_as(editor).patch(f"/api/v1/articles/{pk}/", {"title": "第二版"}, format="json")

    versions = client.get(f"/api/v1/articles/{pk}/versions/").json()
    assert [(v["number"], v["editor"]) for v in versions] == [
        (3, editor.pk),
        (2, world.power_officer.pk),
        (1, world.power_officer.pk),
    ]
    assert versions[1]["body"] == "新的办理流程"

    restored = client.post(f"/api/v1/articles/{pk}/restore/", {"version": 1}, format="json").json()
    assert (restored["title"], restored["body"], restored["version"]) == ("第一版", "旧的办理流程", 4)
    assert client.post(f"/api/v1/articles/{pk}/restore/", {"version": 99}, format="json").status_code == 404
    # the restored text is searchable again
    assert [a.pk for a in articles.article_search(world.power_officer, "旧的")] == [pk]


# --- search, suggestions, deflections ------------------------------------------------------


def test_search_finds_articles_by_chinese_words(world, api_as):
    power = _article(world)
    hightech = _article(world, title="高新技术企业认定", body="认定条件：研发费用占比不低于百分之三。")

    found = api_as(world.company).get("/api/v1/articles/", {"q": "高新企业"}).json()["results"]
    assert [row["id"] for row in found] == [hightech.pk]
    found = api_as(world.company).get("/api/v1/articles/", {"q": "用电 材料"}).json()["results"]
    assert [row["id"] for row in found] == [power.pk]
    assert api_as(world.company).get("/api/v1/articles/", {"q": "！？"}).json()["results"] == []


def test_suggest_ranks_published_articles_for_a_draft_ticket(world, api_as):
    power = _article(world)
    _article(world, title="高新技术企业认定", body="认定条件")
    _article(world, title="用电报装草稿", publish=False)

    response = api_as(world.company).post(
        "/api/v1/articles/suggest/",
        {"title": "厂房用电", "description": "我们的新厂房需要接电，请问报装要什么材料？"},
        format="json",
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["suggestions"]][:1] == [power.pk]
    assert all(row["status"] == "published" for row in response.json()["suggestions"])


def test_solved_counts_one_deflection_per_user_article_and_day(world, api_as):
    article = _article(world)
    client = api_as(world.company)

    assert client.post(f"/api/v1/articles/{article.pk}/solved/", {}, format="json").json() == {"counted": True}
    assert client.post(f"/api/v1/articles/{article.pk}/solved/", {}, format="json").json() == {"counted": False}
    row = Deflection.objects.get()
    assert (row.enterprise_id, row.service_item_id, row.park_id) == (world.enterprise.pk, world.item.pk, world.park.pk)
    assert api_as(world.chief).post(f"/api/v1/articles/{article.pk}/solved/").status_code == 403
    draft = _article(world, publish=False)
    assert client.post(f"/api/v1/articles/{draft.pk}/solved/").status_code == 404


# --- from a ticket, attachments --------------------------------------------------------------


def test_a_resolved_tickets_answer_becomes_a_draft_without_the_enterprises_details(world, api_as):
    ent = world.enterprise
    ent.contact_phone = "13800138000"
    ent.save()
    ticket = ticket_services.ticket_create(
        actor=world.company,
        title=f"{ent.name}新厂房用电报装",
        description="私人描述：老板手机 13800138000",
        kind="help",
        service_item=world.item,
    )
    client = api_as(world.chief)
    assert client.post("/api/v1/articles/from-ticket/", {"ticket": ticket.pk}, format="json").status_code == 409
    ticket_services.ticket_accept(ticket_id=ticket.pk, actor=world.chief)
    ticket_services.ticket_resolve(
        ticket_id=ticket.pk, actor=world.chief, resolution=f"已为{ent.name}办理，联系 13800138000；材料：营业执照。"
    )

    response = client.post("/api/v1/articles/from-ticket/", {"ticket": ticket.pk}, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "draft" and data["source_ticket"] == ticket.pk
    assert ent.name not in data["title"] + data["body"]
    assert "13800138000" not in data["body"]
    assert "私人描述" not in data["body"]
    assert "营业执照" in data["body"]
    assert (
        api_as(world.other_officer)
        .post("/api/v1/articles/from-ticket/", {"ticket": ticket.pk}, format="json")
        .status_code
        == 404
    )


def test_attachments_pass_the_ticket_upload_checks(world, api_as, settings):
    article = _article(world)
    client = api_as(world.power_officer)
    ok = client.post(
        f"/api/v1/articles/{article.pk}/attachments/",
        {"file": SimpleUploadedFile("申请表.pdf", PDF)},
        format="multipart",
    )
    assert ok.status_code == 201, ok.json()
    html = client.post(
        f"/api/v1/articles/{article.pk}/attachments/",
        {"file": SimpleUploadedFile("x.html", b"<script>alert(1)</script>")},
        format="multipart",
    )
    assert html.status_code == 400
    settings.UPLOAD_MAX_BYTES = 10
    big = client.post(
        f"/api/v1/articles/{article.pk}/attachments/", {"file": SimpleUploadedFile("b.pdf", PDF)}, format="multipart"
    )
    assert big.status_code == 413
    assert (
        api_as(world.company)
        .post(
            f"/api/v1/articles/{article.pk}/attachments/",
            {"file": SimpleUploadedFile("a.pdf", PDF)},
            format="multipart",
        )
        .status_code
        == 403
    )

    download = api_as(world.company).get(ok.json()["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF


def test_the_list_runs_a_constant_number_of_queries(world, api_as, django_assert_max_num_queries):
    for n in range(15):
        _article(world, title=f"指南{n}")
    with django_assert_max_num_queries(8):
        response = api_as(world.company).get("/api/v1/articles/", {"page_size": 100})
    assert response.json()["count"] == 15


# --- pages ----------------------------------------------------------------------------------


def test_the_guide_page_shows_html_as_text(world, client):
    article = _article(world, title="<b>标题</b>", body="<script>alert('x')</script>\n第二段")
    client.force_login(world.company)

    page = client.get(f"/guides/{article.pk}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "<script>alert" not in text
    assert "&lt;script&gt;" in text
    assert "Yes, this solved it" in text or "解决" in text


def test_pages_keep_scope_and_writers_manage_articles(world, client):
    draft = _article(world, publish=False)
    client.force_login(world.company)
    assert client.get(f"/guides/{draft.pk}/").status_code == 404
    assert client.get("/guides/new/").status_code == 403
    assert client.get("/guides/", {"q": "用电"}).status_code == 200

    client.force_login(world.power_officer)
    assert client.get(f"/guides/{draft.pk}/").status_code == 200
    response = client.post(f"/guides/{draft.pk}/publish/")
    assert response.status_code == 302
    assert Article.objects.get(pk=draft.pk).status == ArticleStatus.PUBLISHED
    response = client.post("/guides/new/", {"title": "新指南", "body": "正文", "service_item": world.item.pk})
    assert response.status_code == 302
    assert Article.objects.filter(title="新指南", status="draft").exists()


def test_the_suggestions_beside_the_filing_form(world, client):
    article = _article(world)
    client.force_login(world.company)

    form = client.get("/portal/new/")
    assert 'id="guide-suggestions"' in form.content.decode()
    panel = client.post(
        "/guides/suggest/", {"title": "用电报装", "description": "", "service_item": world.item.code}
    ).content.decode()
    assert f"/guides/{article.pk}/?service_item={world.item.code}" in panel

    response = client.post(f"/guides/{article.pk}/solved/", {"service_item": world.item.code})
    assert response.status_code == 302
    assert Deflection.objects.filter(article=article, enterprise=world.enterprise).count() == 1
