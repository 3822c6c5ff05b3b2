"""Scope at the API: outside the caller's scope every ticket endpoint answers 404 (never
revealing that the ticket exists), anonymous callers get 401, and enterprise users never see
internal notes or private attachments."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tickets.models import AssistRequest, Attachment, ExtensionRequest, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _upload(client: APIClient, tid: int, *, public: bool = True, name: str = "说明.pdf") -> int:
    response = client.post(
        f"/api/v1/tickets/{tid}/attachments/",
        {"file": SimpleUploadedFile(name, PDF, content_type="application/pdf"), "public": public},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])


@pytest.fixture
def busy(world, api_as, file_ticket):  # type: ignore[no-untyped-def]
    """Enterprise A's ticket with everything hanging off it: accepted, a public reply, an
    internal note, a public and a private attachment, a pending extension, an assist request."""
    tid = file_ticket()["id"]
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{tid}/accept/").status_code == 200
    assert chief.post(f"/api/v1/tickets/{tid}/reply/", {"body": "已安排现场勘察"}).status_code == 201
    assert chief.post(f"/api/v1/tickets/{tid}/note/", {"body": "内部：需供电局配合"}).status_code == 201
    public_id = _upload(api_as(world.company), tid, name="厂房图纸.pdf")
    private_id = _upload(chief, tid, public=False, name="内部评估.pdf")
    extension = chief.post(
        f"/api/v1/tickets/{tid}/extend/", {"new_resolve_due_at": "2026-12-01T10:00:00+08:00", "reason": "等设备"}
    )
    assert extension.status_code == 201, extension.json()
    assist = chief.post(f"/api/v1/tickets/{tid}/assist/", {"department": world.power_dept.pk, "request": "请协助"})
    assert assist.status_code == 201, assist.json()
    return SimpleNamespace(
        id=tid,
        public_attachment=public_id,
        private_attachment=private_id,
        extension=extension.json()["id"],
        assist=assist.json()["id"],
    )


def _action_bodies(world) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    """A valid body for every ticket action: a refusal can only come from the scope."""
    return {
        "accept": {},
        "return": {"reason": "不属于本部门"},
        "reply": {"body": "你好"},
        "note": {"body": "内部"},
        "transfer": {"to_officer": world.deputy.pk, "reason": "调整"},
        "assist": {"department": world.power_dept.pk, "request": "请协助"},
        "suspend": {"reason": "等待材料"},
        "resume": {},
        "resolve": {"resolution": "已办结"},
        "withdraw": {"reason": "不需要了"},
        "rate": {"score": 1, "comment": "差"},
        "reopen": {"reason": "没有解决"},
        "extend": {"new_resolve_due_at": "2026-12-15T10:00:00+08:00", "reason": "等设备"},
    }


def _snapshot() -> tuple[int, ...]:
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        Attachment.objects.count(),
        ExtensionRequest.objects.filter(status="pending").count(),
        AssistRequest.objects.filter(answered_at__isnull=True).count(),
    )


OUTSIDERS = ["other_company", "other_officer", "other_park_manager"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_read_a_ticket_or_anything_on_it(world, api_as, busy, who):
    client = api_as(getattr(world, who))
    base = f"/api/v1/tickets/{busy.id}"
    for url in (
        f"{base}/",
        f"{base}/events/",
        f"{base}/attachments/",
        f"{base}/attachments/{busy.public_attachment}/",
        f"{base}/attachments/{busy.private_attachment}/",
        f"/api/v1/extensions/{busy.extension}/",
        f"/api/v1/assists/{busy.assist}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_do_not_find_the_ticket_in_lists_or_filters(world, api_as, busy, who):
    client = api_as(getattr(world, who))
    listed = client.get("/api/v1/tickets/").json()
    assert busy.id not in [t["id"] for t in listed["results"]]

    # the enterprise's id filters to an empty list, exactly like an id that does not exist
    mine = client.get("/api/v1/tickets/", {"enterprise": world.enterprise.pk})
    nowhere = client.get("/api/v1/tickets/", {"enterprise": 999999})
    assert mine.status_code == nowhere.status_code == 200
    assert mine.json() == nowhere.json()
    assert mine.json()["count"] == 0

    for path, ids in (("extensions", busy.extension), ("assists", busy.assist)):
        listed = client.get(f"/api/v1/{path}/").json()
        assert ids not in [row["id"] for row in listed["results"]]
        by_ticket = client.get(f"/api/v1/{path}/", {"ticket": busy.id})
        by_nothing = client.get(f"/api/v1/{path}/", {"ticket": 999999})
        assert by_ticket.status_code == by_nothing.status_code == 200, (by_ticket.json(), by_nothing.json())
        assert by_ticket.json()["count"] == by_nothing.json()["count"] == 0


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_cannot_act_on_the_ticket(world, api_as, busy, who):
    client = api_as(getattr(world, who))
    before = _snapshot()
    status_before = Ticket.objects.get(pk=busy.id).status
    for action, body in _action_bodies(world).items():
        response = client.post(f"/api/v1/tickets/{busy.id}/{action}/", body, format="json")
        assert response.status_code == 404, (action, response.status_code, response.json())
    upload = client.post(
        f"/api/v1/tickets/{busy.id}/attachments/",
        {"file": SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")},
        format="multipart",
    )
    assert upload.status_code == 404
    assert client.post(f"/api/v1/extensions/{busy.extension}/approve/", {}).status_code == 404
    assert client.post(f"/api/v1/extensions/{busy.extension}/reject/", {"reason": "不行"}).status_code == 404
    assert client.post(f"/api/v1/assists/{busy.assist}/answer/", {"answer": "可以"}).status_code == 404
    assert _snapshot() == before
    assert Ticket.objects.get(pk=busy.id).status == status_before


def test_a_nonexistent_ticket_answers_like_an_invisible_one(world, api_as, busy):
    client = api_as(world.other_company)
    for action, body in _action_bodies(world).items():
        hidden = client.post(f"/api/v1/tickets/{busy.id}/{action}/", body, format="json")
        missing = client.post(f"/api/v1/tickets/999999/{action}/", body, format="json")
        assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()), action


def test_anonymous_gets_401_everywhere(world, busy):
    client = APIClient()
    base = f"/api/v1/tickets/{busy.id}"
    reads = [
        "/api/v1/tickets/",
        f"{base}/",
        f"{base}/events/",
        f"{base}/attachments/",
        f"{base}/attachments/{busy.public_attachment}/",
        "/api/v1/extensions/",
        f"/api/v1/extensions/{busy.extension}/",
        "/api/v1/assists/",
        f"/api/v1/assists/{busy.assist}/",
    ]
    writes = [
        "/api/v1/tickets/",
        f"{base}/attachments/",
        *(f"{base}/{action}/" for action in _action_bodies(world)),
        f"/api/v1/extensions/{busy.extension}/approve/",
        f"/api/v1/extensions/{busy.extension}/reject/",
        f"/api/v1/assists/{busy.assist}/answer/",
    ]
    before = _snapshot()
    for url in reads:
        assert client.get(url).status_code == 401, url
    for url in writes:
        assert client.post(url, {}, format="json").status_code == 401, url
    assert _snapshot() == before


def test_enterprise_user_sees_public_events_and_attachments_only(world, api_as, busy):
    company = api_as(world.company)
    events = company.get(f"/api/v1/tickets/{busy.id}/events/").json()
    kinds = [e["kind"] for e in events]
    assert "noted" not in kinds
    assert "extension_requested" not in kinds
    assert "assist_requested" not in kinds
    assert all(e["public"] for e in events)
    assert "内部：需供电局配合" not in str(events)

    listed = [a["id"] for a in company.get(f"/api/v1/tickets/{busy.id}/attachments/").json()]
    assert listed == [busy.public_attachment]
    assert company.get(f"/api/v1/tickets/{busy.id}/attachments/{busy.private_attachment}/").status_code == 404
    public = company.get(f"/api/v1/tickets/{busy.id}/attachments/{busy.public_attachment}/")
    assert public.status_code == 200
    assert b"".join(public.streaming_content) == PDF

    # the officer sees all of it
    chief = api_as(world.chief)
    staff_kinds = [e["kind"] for e in chief.get(f"/api/v1/tickets/{busy.id}/events/").json()]
    assert {"noted", "extension_requested", "assist_requested"} <= set(staff_kinds)
    staff_listed = [a["id"] for a in chief.get(f"/api/v1/tickets/{busy.id}/attachments/").json()]
    assert staff_listed == [busy.public_attachment, busy.private_attachment]


def test_an_enterprise_user_cannot_make_an_attachment_private(world, api_as, file_ticket):
    tid = file_ticket()["id"]
    attachment_id = _upload(api_as(world.company), tid, public=False)
    assert Attachment.objects.get(pk=attachment_id).public is True


def test_an_assignee_who_transfers_the_ticket_away_gets_a_response_not_a_500(world, api_as, file_ticket):
    """After a transfer the actor may no longer see the ticket: still a clean answer."""
    tid = file_ticket()["id"]
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{tid}/transfer/", {"to_officer": world.power_officer.pk, "reason": "转供电"})
    power = api_as(world.power_officer)
    power.raise_request_exception = False
    response = power.post(f"/api/v1/tickets/{tid}/transfer/", {"to_officer": world.other_officer.pk, "reason": "转"})
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == world.other_officer.pk
    assert power.get(f"/api/v1/tickets/{tid}/").status_code == 404
