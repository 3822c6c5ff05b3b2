"""Every notification kind reads as a sentence in Simplified Chinese and in English, rendered
in the reader's current language (not the language stored on the row); an unknown kind reads
as a generic sentence; never a raw code; an SMS never carries user text."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from notifications.models import DIGEST_KIND, Notification
from notifications.sentences import registered, render, sms_text
from servicedesk.models import User
from tests.notifications.conftest import _notification_settings  # noqa: F401  fixture
from tickets.models import EventKind

PAYLOAD = {
    "number": "SD-2026-000042",
    "title": "用电报装",
    "actor": "王首席",
    "excerpt": "已安排现场勘察",
    "level": "breach",
    "deadline": "resolve",
    "score": "2",
    "verdict": "valid",
    "due": "2026-12-01 17:30",
    "count": 3,
    "due_today": 1,
    "lines": [{"number": "SD-2026-000042", "title": "用电报装", "due": "12-01 17:30"}],
}
KINDS = [str(kind) for kind in EventKind] + [DIGEST_KIND]
# what the payload legitimately puts into a sentence: not part of the sentence's own words
FILLED = ["SD-2026-000042", "用电报装", "王首席", "已安排现场勘察", "2026-12-01 17:30", "12-01 17:30"]


def words_of(text: str) -> str:
    for value in FILLED:
        text = text.replace(value, "")
    return text


def test_every_kind_the_desk_sends_has_a_sentence() -> None:
    assert set(KINDS) <= set(registered())


@pytest.mark.parametrize("kind", [*KINDS, "some_future_kind"])
def test_every_kind_reads_as_a_sentence_in_both_languages(kind: str) -> None:
    zh = render(kind, PAYLOAD, "zh-hans")
    en = render(kind, PAYLOAD, "en")
    for text in (zh.subject, zh.body, en.subject, en.body):
        assert text.strip()
        assert "%(" not in text and "{" not in text
        assert kind not in text or "_" not in kind  # no raw code (a plain English verb is a word)
    # the Chinese sentence has no English words of its own; the English one no Chinese of its own
    assert not re.search(r"[A-Za-z]{2,}", words_of(zh.subject + zh.body)), (zh.subject, zh.body)
    assert not re.search(
        r"[\u4e00-\u9fff]", words_of(en.subject + en.body).replace("协办", "").replace("督办", "").replace("回访", "")
    ), (en.subject, en.body)
    assert ("SD-2026-000042" in zh.subject and "SD-2026-000042" in en.subject) or kind == DIGEST_KIND


@pytest.mark.parametrize("kind", KINDS)
def test_a_subject_and_an_sms_never_carry_user_text(kind: str) -> None:
    for language in ("zh-hans", "en"):
        subject = render(kind, PAYLOAD, language).subject
        text = sms_text(kind, PAYLOAD, language)
        for user_text in ("用电报装", "王首席", "已安排现场勘察"):
            assert user_text not in subject
            assert user_text not in text


@pytest.mark.parametrize(
    ("kind", "payload", "language", "subject", "body"),
    [
        ("rating_reviewed", PAYLOAD, "zh-hans", "工单 SD-2026-000042 差评已核查", "核查属实"),
        (
            "rating_reviewed",
            {**PAYLOAD, "verdict": "dismissed"},
            "en",
            "Bad review of ticket SD-2026-000042 checked",
            "It was dismissed.",
        ),
        ("assist_answered", PAYLOAD, "zh-hans", "工单 SD-2026-000042 协办已答复", "王首席 已答复"),
        ("return_visit", PAYLOAD, "en", "Return visit on ticket SD-2026-000042", "王首席 made a return visit"),
        ("escalated", PAYLOAD, "zh-hans", "【预警】工单 SD-2026-000042 办结期限已超时", "请尽快处理"),
        (
            "escalated",
            {**PAYLOAD, "level": "warning", "deadline": "accept"},
            "en",
            "[Alert] Ticket SD-2026-000042: the acceptance deadline is about to be missed",
            "Please act now.",
        ),
        (
            "extension_approved",
            PAYLOAD,
            "zh-hans",
            "工单 SD-2026-000042 延期已批准",
            "新的办理期限为 2026-12-01 17:30。",
        ),
        ("rated", PAYLOAD, "en", "Ticket SD-2026-000042 was rated", "The rating: dissatisfied."),
        ("closed", {**PAYLOAD, "actor": ""}, "zh-hans", "工单 SD-2026-000042 已关闭", "已关闭"),
        ("some_future_kind", {"number": "SD-1"}, "zh-hans", "工单 SD-1 有新动态", "请打开查看"),
        ("some_future_kind", {}, "en", "You have a new notification", "Open the desk"),
        (DIGEST_KIND, PAYLOAD, "zh-hans", "今日待办：3 件", "- SD-2026-000042 用电报装（期限 12-01 17:30）"),
    ],
)
def test_sentences_by_hand(kind, payload, language, subject, body) -> None:  # type: ignore[no-untyped-def]
    text = render(kind, payload, language)
    assert text.subject == subject
    assert body in text.body


@pytest.mark.django_db
def test_the_inbox_and_the_api_follow_the_readers_current_language(world, file_ticket, api_as) -> None:  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.chief.pk).update(language="zh-hans")  # the stored language
    ticket = file_ticket()
    row = Notification.objects.get(event_kind="created", recipient=world.chief, channel="inbox")
    assert row.payload["number"] == ticket["number"] and row.subject == f"新工单 {ticket['number']}"
    web = Client()
    web.force_login(world.chief)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = web.get(reverse("inbox")).content.decode()
    assert f"New ticket {ticket['number']}" in page and "新工单" not in page
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert f"新工单 {ticket['number']}" in web.get(reverse("inbox")).content.decode()
    api = api_as(world.chief)
    english = api.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    assert english["subject"] == f"New ticket {ticket['number']}"
    assert "filed ticket" in english["body"]
    chinese = api.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]
    assert chinese["subject"] == f"新工单 {ticket['number']}"


@pytest.mark.django_db
def test_a_row_from_before_payloads_reads_as_a_sentence_never_its_code(world) -> None:  # type: ignore[no-untyped-def]
    from servicedesk import clock

    row = Notification.objects.create(
        recipient=world.chief,
        channel="inbox",
        event_kind="rating_reviewed",
        topic_type="ticket",
        topic_label="SD-2026-000007",
        subject="工单 SD-2026-000007 有新动态：rating_reviewed",
        next_attempt_at=clock.now(),
        dedup_key="old:1",
        created_at=clock.now(),
    )
    web = Client()
    web.force_login(world.chief)
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = web.get(reverse("inbox")).content.decode()
    assert "Bad review of ticket SD-2026-000007 checked" in page
    assert "rating_reviewed" not in page
    assert row.sentence.subject


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ["ticket", "subject", "-read", "created_at", "-read_at"])
def test_the_inbox_list_sorts_by_its_columns_and_ignores_the_rest(ordering):
    """?ordering= names a computed field (the fuzzing found a 500): it is ignored, not an error."""
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(role="officer"))
    response = client.get("/api/v1/notifications/", {"ordering": ordering})
    assert response.status_code == 200
