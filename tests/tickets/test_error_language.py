"""Domain errors speak the request's language, like DRF's own messages: Simplified Chinese
by default, English with `Accept-Language: en`. The codes, field keys and `errors` stay the
same in both."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from servicedesk.errors import Conflict, Forbidden, Invalid
from tickets import state
from tickets.models import Status
from tickets.state import Action, Rel
from tickets.uploads import human_size


def _accepted(world, api_as, file_ticket):  # type: ignore[no-untyped-def]
    tid = file_ticket()["id"]
    assert api_as(world.chief).post(f"/api/v1/tickets/{tid}/accept/").status_code == 200
    return tid


@pytest.mark.parametrize(
    ("headers", "language", "detail"),
    [
        ({}, "zh-hans", "工单当前状态为“办理中”，不能执行“签收”操作。"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en", "'accept' is not possible while the ticket is in progress."),
    ],
)
def test_a_409_is_chinese_by_default_and_english_on_request(world, api_as, file_ticket, headers, language, detail):
    tid = _accepted(world, api_as, file_ticket)
    response = api_as(world.chief).post(f"/api/v1/tickets/{tid}/accept/", **headers)
    assert response.status_code == 409
    assert response.headers["Content-Language"] == language
    assert response.json() == {
        "detail": detail,
        "code": "conflict",
        "errors": {"status": "in_progress", "action": "accept"},  # machine-readable: never translated
    }


@pytest.mark.parametrize(
    ("headers", "detail", "field"),
    [
        ({}, "请选择承办部门以外的其他部门协办。", "与承办部门相同。"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "Ask another department than the handling one.", "Same department."),
    ],
)
def test_a_field_error_from_a_service_follows_the_language(world, api_as, file_ticket, headers, detail, field):
    tid = _accepted(world, api_as, file_ticket)
    response = api_as(world.chief).post(
        f"/api/v1/tickets/{tid}/assist/", {"department": world.service_dept.pk, "request": "x"}, **headers
    )
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": "invalid", "department": [field]}


def test_a_403_and_a_404_are_chinese_by_default_and_english_on_request(world, api_as, file_ticket):
    tid = file_ticket()["id"]
    company = api_as(world.company)
    assert company.post(f"/api/v1/tickets/{tid}/accept/").json()["detail"] == "您无权对此工单执行“签收”操作。"
    english = company.post(f"/api/v1/tickets/{tid}/accept/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 403 and english.json()["detail"] == "You may not accept this ticket."
    assert company.get("/api/v1/tickets/0/").json()["detail"] == "没有这张工单。"
    assert company.get("/api/v1/tickets/0/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "No such ticket."


def test_an_upload_over_the_limit_names_the_limit_in_the_language(world, api_as, file_ticket, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    tid = file_ticket()["id"]
    company = api_as(world.company)

    def post(**headers):  # type: ignore[no-untyped-def]
        upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2048, content_type="application/pdf")
        return company.post(f"/api/v1/tickets/{tid}/attachments/", {"file": upload}, format="multipart", **headers)

    chinese = post()
    assert chinese.status_code == 413 and chinese.json()["detail"] == "文件超过大小上限（1 KB）。"
    english = post(HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 413 and english.json()["detail"] == "The file is larger than the limit of 1 KB."


def test_the_state_table_refusals_follow_the_active_language():
    with translation.override("en"), pytest.raises(Forbidden) as forbidden:
        state.require(Status.SUBMITTED, Action.TRANSFER, {Rel.ENTERPRISE})
    assert forbidden.value.message == "You may not transfer this ticket."
    with translation.override("zh-hans"), pytest.raises(Conflict) as conflict:
        state.require(Status.CLOSED, Action.RESOLVE, {Rel.ASSIGNEE})
    assert conflict.value.message == "工单当前状态为“已关闭”，不能执行“办结”操作。"
    assert conflict.value.detail == {"status": "closed", "action": "resolve"}


@pytest.mark.django_db
def test_service_messages_with_a_placeholder_keep_the_value():
    from tickets.services import _text

    with translation.override("zh-hans"), pytest.raises(Invalid) as err:
        _text("x" * 11, "title", limit=10)
    assert err.value.message == "title 过长。" and err.value.detail == {"title": ["最多 10 个字符。"]}
    with translation.override("en"), pytest.raises(Invalid) as err:
        _text("  ", "reason")
    assert err.value.message == "reason must not be empty."
    assert err.value.detail == {"reason": ["This field may not be blank."]}
    with translation.override("zh-hans"):
        assert human_size(900) == "900 字节"
    with translation.override("en"):
        assert human_size(1) == "1 byte" and human_size(900) == "900 bytes"
