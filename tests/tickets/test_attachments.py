"""Uploads: types decided by the bytes, a size limit (413), generated file names, and
downloads that are served as attachments and only within the caller's scope."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT

from tickets.models import Attachment, TicketEvent

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


PNG = _png()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXT = "厂房用电需求：10kV 双回路供电，负荷约 2000kW。\n联系人：张经理\n".encode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20 + b"payload"


def _post(client, tid: int, name: str, content: bytes, **extra):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/tickets/{tid}/attachments/",
        {"file": SimpleUploadedFile(name, content), **extra},
        format="multipart",
    )


@pytest.fixture
def ticket(file_ticket):  # type: ignore[no-untyped-def]
    return file_ticket()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("现场照片.png", PNG, "image/png"),
        ("营业执照.pdf", PDF, "application/pdf"),
        ("需求说明.txt", TEXT, "text/plain"),
    ],
)
def test_accepted_types_are_stored_with_the_detected_content_type(world, api_as, ticket, name, content, content_type):
    response = _post(api_as(world.company), ticket["id"], name, content)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content_type"] == content_type
    assert body["original_name"] == name
    assert body["size"] == len(content)
    assert body["download_url"] == f"/api/v1/tickets/{ticket['id']}/attachments/{body['id']}/"
    stored = Attachment.objects.get(pk=body["id"])
    with stored.file.open("rb") as handle:
        assert handle.read() == content
    assert TicketEvent.objects.filter(ticket_id=ticket["id"], kind="attachment_added").count() == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", EXE),
        ("report.pdf", EXE),
        ("photo.png", HTML),
        ("report.pdf", HTML),
        ("photo.png", SVG),
        ("image.svg", SVG),
        ("page.html", HTML),
        ("photo.png", ZIP),
        ("report.pdf", ZIP),
        ("setup.exe", EXE),
        ("binary.txt", b"\x00\x01\x02\x03binary"),
    ],
)
def test_other_types_are_refused_by_their_content(world, api_as, ticket, name, content):
    before = (Attachment.objects.count(), TicketEvent.objects.count())
    response = _post(api_as(world.company), ticket["id"], name, content)
    assert response.status_code == 400, response.json()
    assert response.json()["detail"]
    assert (Attachment.objects.count(), TicketEvent.objects.count()) == before


def test_a_file_over_the_limit_is_413_and_nothing_is_stored(world, api_as, ticket, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    before = (Attachment.objects.count(), TicketEvent.objects.count())
    response = _post(api_as(world.company), ticket["id"], "big.pdf", PDF + b"0" * 2048)
    assert response.status_code == 413
    message = response.json()["detail"]
    assert "1 KB" in message or "1024" in message, message
    assert (Attachment.objects.count(), TicketEvent.objects.count()) == before
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_file_at_the_limit_is_accepted(world, api_as, ticket, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = _post(api_as(world.company), ticket["id"], "exact.pdf", PDF + b"0" * (1024 - len(PDF)))
    assert response.status_code == 201, response.json()


def test_an_empty_file_is_400(world, api_as, ticket):
    before = Attachment.objects.count()
    response = _post(api_as(world.company), ticket["id"], "empty.pdf", b"")
    assert response.status_code == 400
    assert Attachment.objects.count() == before


def test_a_missing_file_is_400(world, api_as, ticket):
    response = api_as(world.company).post(
        f"/api/v1/tickets/{ticket['id']}/attachments/", {"public": "true"}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()


def test_the_stored_name_is_generated_and_a_path_in_the_name_goes_nowhere(world, api_as, ticket, settings):
    # built by hand: Django's test client would strip the path from the name itself
    body = (
        (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="../../etc/passwd.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + TEXT
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    response = api_as(world.company).generic(
        "POST", f"/api/v1/tickets/{ticket['id']}/attachments/", body, content_type=MULTIPART_CONTENT
    )
    assert response.status_code == 201, response.json()
    stored = Attachment.objects.get(pk=response.json()["id"])
    assert re.fullmatch(rf"attachments/{ticket['id']}/[0-9a-f]{{32}}\.txt", stored.file.name), stored.file.name
    assert "/" not in stored.original_name and ".." not in stored.original_name
    path = Path(default_storage.path(stored.file.name)).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert path.read_bytes() == TEXT


def test_two_uploads_with_the_same_name_do_not_overwrite_each_other(world, api_as, ticket):
    company = api_as(world.company)
    first = _post(company, ticket["id"], "a.txt", b"first")
    second = _post(company, ticket["id"], "a.txt", b"second")
    names = {Attachment.objects.get(pk=r.json()["id"]).file.name for r in (first, second)}
    assert len(names) == 2


def _content(response) -> bytes:  # type: ignore[no-untyped-def]
    # reading to the end closes the file; an explicit close() would fire request_finished,
    # which closes the test's database connection on PostgreSQL
    return b"".join(response.streaming_content)


def test_download_returns_the_bytes_as_an_attachment(world, api_as, ticket):
    company = api_as(world.company)
    created = _post(company, ticket["id"], "现场照片.png", PNG).json()
    response = company.get(created["download_url"])
    assert response.status_code == 200
    assert _content(response) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"

    # the assigned officer reads it too
    officer = api_as(world.chief).get(created["download_url"])
    assert officer.status_code == 200
    assert _content(officer) == PNG


def test_download_of_text_is_still_an_attachment(world, api_as, ticket):
    company = api_as(world.company)
    created = _post(company, ticket["id"], "说明.txt", TEXT).json()
    response = company.get(created["download_url"])
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("text/plain")
    assert _content(response) == TEXT


def test_download_is_404_outside_the_scope(world, api_as, ticket, file_ticket):
    created = _post(api_as(world.company), ticket["id"], "a.pdf", PDF).json()
    for user in (world.other_company, world.other_officer, world.other_park_manager):
        assert api_as(user).get(created["download_url"]).status_code == 404
    # an attachment id reached through another ticket of one's own is 404 as well
    other_ticket = file_ticket(title="另一件事")
    wrong = f"/api/v1/tickets/{other_ticket['id']}/attachments/{created['id']}/"
    assert api_as(world.company).get(wrong).status_code == 404
    assert api_as(world.company).get(f"/api/v1/tickets/{ticket['id']}/attachments/999999/").status_code == 404


def test_a_stored_file_that_has_gone_missing_is_404_not_500(world, api_as, ticket):
    created = _post(api_as(world.company), ticket["id"], "a.pdf", PDF).json()
    default_storage.delete(Attachment.objects.get(pk=created["id"]).file.name)
    client = api_as(world.company)
    client.raise_request_exception = False
    assert client.get(created["download_url"]).status_code == 404


def test_an_officer_may_upload_a_private_attachment(world, api_as, ticket):
    response = _post(api_as(world.chief), ticket["id"], "内部.pdf", PDF, public="false")
    assert response.status_code == 201
    assert response.json()["public"] is False
    event = TicketEvent.objects.get(ticket_id=ticket["id"], kind="attachment_added")
    assert event.public is False
