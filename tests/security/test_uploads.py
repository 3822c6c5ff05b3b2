"""Uploads are never executed and no user-controlled name touches the file system: the bytes
decide the type, the stored name is generated, and MEDIA_ROOT is not served at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from servicedesk.files import generated_name
from tickets.models import Attachment

from .conftest import PDF, PNG

pytestmark = pytest.mark.django_db


def _upload(client, tid, name, content, content_type="application/octet-stream"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/tickets/{tid}/attachments/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        format="multipart",
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<!doctype html><script>alert(1)</script>"),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),  # a PDF by name only
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("run.sh", b"#!/bin/sh\nrm -rf /\n"),
        ("shell.php", b"<?php system($_GET['c']); ?>"),
        ("app.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
    ],
)
def test_active_content_is_refused(world, api_as, file_ticket, name, content):
    tid = file_ticket()["id"]
    response = _upload(api_as(world.company), tid, name, content, "text/html")
    assert response.status_code == 400, response.json()
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    "name", ["../../../../etc/passwd.pdf", "..\\..\\win.ini.pdf", "/abs/path.pdf", "a/../../b.pdf", "%2e%2e%2fx.pdf"]
)
def test_a_path_in_the_file_name_never_reaches_the_file_system(world, api_as, file_ticket, name):
    tid = file_ticket()["id"]
    response = _upload(api_as(world.company), tid, name, PDF, "application/pdf")
    assert response.status_code == 201, response.json()
    stored = Attachment.objects.get(pk=response.json()["id"])
    media = Path(settings.MEDIA_ROOT).resolve()
    path = Path(default_storage.path(stored.file.name)).resolve()
    assert path.is_relative_to(media / "attachments" / str(tid))
    assert path.parent == media / "attachments" / str(tid)
    assert ".." not in stored.file.name and "passwd" not in stored.file.name and "win" not in stored.file.name


def test_a_png_named_as_a_page_is_stored_without_the_page_suffix(world, api_as, file_ticket):
    tid = file_ticket()["id"]
    response = _upload(api_as(world.company), tid, "photo.html", PNG, "text/html")
    assert response.status_code == 201, response.json()
    stored = Attachment.objects.get(pk=response.json()["id"])
    assert stored.content_type == "image/png"
    assert not stored.file.name.endswith(".html")


@pytest.mark.parametrize(
    ("given", "suffix"), [("a.PDF", ".pdf"), ("a.html", ""), ("a.php", ""), ("a.pdf.exe", ""), ("noext", "")]
)
def test_only_suffixes_of_accepted_types_survive(given, suffix):
    name = generated_name("attachments/1", given)
    assert name.startswith("attachments/1/")
    assert name.endswith(suffix) if suffix else "." not in name.rsplit("/", 1)[1]


def test_media_files_are_not_served(world, api_as, file_ticket, client):
    tid = file_ticket()["id"]
    response = _upload(api_as(world.company), tid, "a.pdf", PDF, "application/pdf")
    stored = Attachment.objects.get(pk=response.json()["id"])
    for url in (f"/{settings.MEDIA_URL}{stored.file.name}", f"/media/{stored.file.name}"):
        assert client.get(url).status_code == 404
