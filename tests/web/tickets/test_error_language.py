"""A refused action on the ticket page says why in the page's language: the service's own
message, translated, inside the page's refusal (Chinese unless the user chose English)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.web.conftest import PNG
from tickets.models import Attachment, Status, Ticket

pytestmark = pytest.mark.django_db


def act(number: str, action: str) -> str:
    return reverse("ticket-action", kwargs={"number": number, "action": action})


def test_a_403_on_the_page_is_in_chinese(world, chinese_as, new_ticket):
    ticket = new_ticket()
    response = chinese_as(world.company).post(act(ticket.number, "accept"))
    assert response.status_code == 403
    assert response.headers["Content-Language"] == "zh-hans"
    body = response.content.decode()
    assert "您无权对此工单执行该操作。（您无权对此工单执行“签收”操作。）" in body
    assert "You may not" not in body
    assert Ticket.objects.get().status == Status.SUBMITTED


def test_a_409_on_the_page_is_in_chinese_and_in_english_when_chosen(world, chinese_as, web_as, new_ticket):
    ticket = new_ticket()
    response = chinese_as(world.chief).post(act(ticket.number, "resolve"), {"resolve-resolution": "x"})
    assert response.status_code == 409
    refusal = "当前无法执行该操作，未作任何更改。（工单当前状态为“待签收”，不能执行“办结”操作。）"
    assert refusal in response.content.decode()
    response = web_as(world.chief).post(act(ticket.number, "resolve"), {"resolve-resolution": "x"})
    assert response.status_code == 409
    assert "is not possible while the ticket is submitted." in response.content.decode()
    assert Ticket.objects.get().status == Status.SUBMITTED


def test_an_upload_refused_by_the_checks_is_a_chinese_field_error(world, chinese_as, new_ticket, settings):
    settings.UPLOAD_MAX_BYTES = 10
    ticket = new_ticket()
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    response = chinese_as(world.company).post(act(ticket.number, "attach"), {"attach-file": upload})
    assert response.status_code == 400
    assert "文件超过大小上限（10 字节）。" in response.content.decode()
    assert not Attachment.objects.exists()
