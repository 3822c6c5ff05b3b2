"""A seeded world for the security tests: enterprise A's ticket with everything hanging off it
(reply, note, attachment, extension, assist, supervision order, visit with a photo, an inbox
row), and the eight callers the access matrix tries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from notifications.models import GroupRobot, Notification, NotificationChannel
from policies import services as policy_services
from servicedesk.models import User
from servicedesk.services import api_token_create
from subscriptions import services as subscription_services
from tests.factories import DepartmentFactory, OfficerFactory
from tests.tickets.conftest import clock, file_ticket, world  # noqa: F401  (fixtures)
from tickets.sla import escalation

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# The smallest PNG: signature, IHDR (1x1, 8-bit greyscale), IDAT, IEND.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63600000000200015e2c3a5b0000000049454e44ae426082"
)

# The callers of the matrix, in the order of its columns.
ROLES = (
    "anonymous",
    "company",  # enterprise A's user: A owns every object below
    "other_company",  # enterprise B's user
    "officer",  # A's chief officer, the tickets' assignee and owner
    "other_officer",  # an officer of another department, with nothing to do with A
    "manager",  # the manager of A's park
    "other_manager",  # the manager of another park
    "admin",
)


@dataclass
class Seeded:
    users: dict[str, User | None]
    ticket: int
    attachment: int
    extension: int
    assist: int
    supervision: int
    visit: int
    photo: int
    notification: int
    enterprise: int
    company_user: int
    park: int
    department: int
    item: str
    assist_department: int
    deputy: int
    article: int
    article_attachment: int
    robot: int = 0
    reply: int = 0
    policy: int = 0
    token: int = 0  # an API token of the company user
    subscription: int = 0  # A's park manager's sheet on schedule
    second_ticket: int = 0  # another of A's tickets (to link, or merge into)

    def client(self, role: str) -> APIClient:
        client = APIClient()
        user = self.users[role]
        if user is not None:
            client.force_authenticate(user)
        client.raise_request_exception = False
        return client


@pytest.fixture
def seeded(world, api_as, file_ticket) -> Seeded:  # noqa: F811
    """Enterprise A's ticket, accepted by its chief officer (so in progress), with a public
    reply, an internal note, an attachment, a pending extension, an assist request to a third
    department, a supervision order; a visit to A with a photo; an inbox row of A's user."""
    assist_department = DepartmentFactory(name="规划建设局")
    stranger = OfficerFactory(department=DepartmentFactory(name="市场监管局"))
    tid = file_ticket()["id"]
    chief, company = api_as(world.chief), api_as(world.company)
    assert chief.post(f"/api/v1/tickets/{tid}/accept/").status_code == 200
    assert chief.post(f"/api/v1/tickets/{tid}/reply/", {"body": "已安排现场勘察"}).status_code == 201
    assert chief.post(f"/api/v1/tickets/{tid}/note/", {"body": "内部：需供电局配合"}).status_code == 201
    upload = company.post(
        f"/api/v1/tickets/{tid}/attachments/",
        {"file": SimpleUploadedFile("厂房图纸.pdf", PDF, content_type="application/pdf"), "public": True},
        format="multipart",
    )
    assert upload.status_code == 201, upload.json()
    extension = chief.post(
        f"/api/v1/tickets/{tid}/extend/", {"new_resolve_due_at": "2026-12-01T10:00:00+08:00", "reason": "等设备"}
    )
    assert extension.status_code == 201, extension.json()
    assist = chief.post(f"/api/v1/tickets/{tid}/assist/", {"department": assist_department.pk, "request": "请协助"})
    assert assist.status_code == 201, assist.json()
    order = escalation.supervision_issue(ticket_id=tid, actor=world.park_manager, reason="督办：尽快办理")
    visit = chief.post(
        "/api/v1/visits/",
        {"enterprise": world.enterprise.pk, "visited_at": "2026-11-16T10:00:00+08:00", "summary": "走访"},
        format="json",
    )
    assert visit.status_code == 201, visit.json()
    photo = chief.post(
        f"/api/v1/visits/{visit.json()['id']}/photos/",
        {"file": SimpleUploadedFile("现场.png", PNG, content_type="image/png")},
        format="multipart",
    )
    assert photo.status_code == 201, photo.json()
    article = chief.post(
        "/api/v1/articles/", {"title": "用电报装指南", "body": "材料清单", "park": world.park.pk}, format="json"
    )
    assert article.status_code == 201, article.json()
    assert chief.post(f"/api/v1/articles/{article.json()['id']}/publish/").status_code == 200
    article_file = chief.post(
        f"/api/v1/articles/{article.json()['id']}/attachments/",
        {"file": SimpleUploadedFile("申请表.pdf", PDF, content_type="application/pdf")},
        format="multipart",
    )
    assert article_file.status_code == 201, article_file.json()
    reply = chief.post(
        "/api/v1/replies/", {"title": "已受理", "body": "{enterprise}：工单{ticket}已受理。"}, format="json"
    )
    assert reply.status_code == 201, reply.json()
    policy = policy_services.policy_create(
        actor=world.zone_manager,
        title="用电增容补贴",
        issuer="开发区经济发展局",
        summary="新增用电容量的企业给予补贴。",
        benefit="每千伏安补贴50元",
        service_item=world.item,
        park=world.park,
        effective_from=date(2026, 1, 1),
        effective_to=date(2026, 12, 31),
    )
    policy_services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)
    notification = Notification.objects.filter(recipient=world.company, channel=NotificationChannel.INBOX).first()
    assert notification is not None
    robot = GroupRobot.objects.create(
        name="园区群", kind="wecom", park=world.park, url="http://127.0.0.1:9/cgi-bin/webhook/send?key=k"
    )
    return Seeded(
        users={
            "anonymous": None,
            "company": world.company,
            "other_company": world.other_company,
            "officer": world.chief,
            "other_officer": stranger,
            "manager": world.park_manager,
            "other_manager": world.other_park_manager,
            "admin": world.admin,
        },
        ticket=tid,
        attachment=upload.json()["id"],
        extension=extension.json()["id"],
        assist=assist.json()["id"],
        supervision=order.pk,
        visit=visit.json()["id"],
        photo=photo.json()["id"],
        notification=notification.pk,
        enterprise=world.enterprise.pk,
        company_user=world.company.pk,
        park=world.park.pk,
        department=world.service_dept.pk,
        item=world.item.code,
        assist_department=assist_department.pk,
        deputy=world.deputy.pk,
        article=article.json()["id"],
        article_attachment=article_file.json()["id"],
        robot=robot.pk,
        reply=reply.json()["id"],
        policy=policy.pk,
        token=api_token_create(user=world.company, name="phone")[0].pk,
        subscription=_subscription(world),
        second_ticket=file_ticket(title="厂房用电报装（补充）")["id"],
    )


def _subscription(w) -> int:  # type: ignore[no-untyped-def]
    """Every manager and the admin have an address (so each may subscribe); A's park manager
    has the weekly dispatch sheet by e-mail."""
    for user in (w.park_manager, w.other_park_manager, w.admin):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@park.example")
        user.refresh_from_db()
    return subscription_services.subscribe(user=w.park_manager, sheet="dispatch", channel="email").pk
