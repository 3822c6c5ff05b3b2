"""Security headers on an API response, a page, the API docs and an attachment download."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from .conftest import PDF

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}


def _directives(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";") if p.strip()]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


def _assert_common(response) -> None:  # type: ignore[no-untyped-def]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_an_api_response_carries_the_policy(world, api_as):
    response = api_as(world.company).get("/api/v1/tickets/")
    assert response.status_code == 200
    _assert_common(response)
    assert _directives(response["Content-Security-Policy"]) == POLICY


def test_an_error_response_carries_the_policy_too(world):
    response = APIClient().get("/api/v1/tickets/")
    assert response.status_code == 401
    _assert_common(response)
    assert _directives(response["Content-Security-Policy"]) == POLICY


def test_the_admin_login_page_has_the_policy_and_no_inline_script(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    _assert_common(response)
    assert _directives(response["Content-Security-Policy"]) == POLICY
    html = response.content.decode()
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL):
        assert "src=" in attributes or "application/json" in attributes or not body.strip(), attributes


def test_the_api_docs_run_under_the_policy(world, api_as):
    """Swagger UI: its start-up script is a same-origin file, its one inline style is allowed
    by its hash, and nothing else is relaxed."""
    client = api_as(world.company)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    _assert_common(page)
    html = page.content.decode()
    directives = _directives(page["Content-Security-Policy"])
    assert directives["script-src"] == "'self'"
    styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in styles}
    assert directives["style-src"].split() == ["'self'", *sorted(hashes)] or set(directives["style-src"].split()) == {
        "'self'",
        *hashes,
    }
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    # every script is served from this origin: the bundle from static files, the start-up script here
    sources = [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts]  # type: ignore[union-attr]
    assert all(src.startswith("/") and not src.startswith("//") for src in sources), sources
    start_up = [src for src in sources if "script" in src.split("?", 1)[-1]]
    assert start_up, sources
    js = client.get(start_up[0])
    assert js.status_code == 200
    assert "javascript" in js["Content-Type"]
    assert b"SwaggerUIBundle" in js.content


def test_an_attachment_download_is_sandboxed_and_typed(world, api_as, file_ticket):
    company = api_as(world.company)
    tid = file_ticket()["id"]
    created = company.post(
        f"/api/v1/tickets/{tid}/attachments/",
        {"file": SimpleUploadedFile('报价"单\r\nX-Evil: 1.pdf', PDF, content_type="text/html")},
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    response = company.get(f"/api/v1/tickets/{tid}/attachments/{created.json()['id']}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"  # from the bytes, not from what the client said
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]
    assert not response.has_header("X-Evil")
    assert b"".join(response.streaming_content) == PDF
