"""Group robots (企业微信, 钉钉, 飞书) as outbox channels, delivered to a real local server
that checks each service's wire format and signature (tests/notifications/robots.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from notifications import services
from notifications.models import GroupRobot, Notification
from servicedesk import clock
from tests.notifications.robots import DINGTALK_SECRET, FEISHU_SECRET, WECOM_KEY
from tests.tickets.conftest import SHANGHAI
from tickets.events import record_event
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def robots(world, robot_server):  # type: ignore[no-untyped-def]
    """The power department's three groups, and the park's WeCom group."""
    dept = world.service_dept  # where the chief officer works: the ticket is routed there
    return {
        "wecom": GroupRobot.objects.create(name="供电群", kind="wecom", department=dept, url=robot_server.wecom_url()),
        "dingtalk": GroupRobot.objects.create(
            name="供电钉钉群", kind="dingtalk", department=dept, url=robot_server.dingtalk_url(), secret=DINGTALK_SECRET
        ),
        "feishu": GroupRobot.objects.create(
            name="供电飞书群", kind="feishu", department=dept, url=robot_server.feishu_url(), secret=FEISHU_SECRET
        ),
        "park": GroupRobot.objects.create(name="园区群", kind="wecom", park=world.park, url=robot_server.wecom_url()),
    }


def deliver(**filters: object) -> list[str]:
    return [
        services.notification_deliver(notification_id=pk)
        for pk in Notification.objects.filter(**filters).order_by("pk").values_list("pk", flat=True)
    ]


def test_a_new_ticket_is_told_to_its_departments_groups_in_each_format(
    world, file_ticket, robots, robot_server, settings
):  # type: ignore[no-untyped-def]
    settings.SERVICEDESK_BASE_URL = "https://desk.example.org/"
    ticket = file_ticket(title="用电报装")
    rows = Notification.objects.filter(robot__isnull=False)
    assert {(r.robot_id, r.channel) for r in rows} == {
        (robots["wecom"].pk, "wecom"),
        (robots["dingtalk"].pk, "dingtalk"),
        (robots["feishu"].pk, "feishu"),
    }  # the park's group hears breaches and supervision, not new tickets
    assert deliver(robot__isnull=False) == ["sent", "sent", "sent"]
    link = f"https://desk.example.org/tickets/{ticket['number']}/"
    (wecom,) = robot_server.accepted("wecom")
    number, actor = ticket["number"], str(world.company)
    assert wecom["markdown"]["content"] == (
        f"**新工单 {number}**\n> {actor} 提交了工单 {number}「用电报装」。\n[在服务平台中查看]({link})"
    )
    (ding,) = robot_server.accepted("dingtalk")
    assert ding["markdown"]["title"] == f"新工单 {number}"
    assert f"[在服务平台中查看]({link})" in ding["markdown"]["text"]
    (feishu,) = robot_server.accepted("feishu")
    post = feishu["content"]["post"]["zh_cn"]
    assert post["title"] == f"新工单 {number}"
    assert post["content"][0] == [{"tag": "text", "text": f"{actor} 提交了工单 {number}「用电报装」。"}]
    assert post["content"][-1] == [{"tag": "a", "text": "在服务平台中查看", "href": link}]


def test_a_wrong_secret_is_refused_by_the_service_and_retried_with_backoff(world, file_ticket, robots, robot_server):  # type: ignore[no-untyped-def]
    GroupRobot.objects.filter(kind__in=("dingtalk", "feishu")).update(secret="not-the-secret")
    file_ticket()
    assert deliver(channel__in=("dingtalk", "feishu")) == ["pending", "pending"]
    ding, feishu = Notification.objects.filter(channel__in=("dingtalk", "feishu")).order_by("pk")
    assert "310000" in ding.last_error and "19021" in feishu.last_error
    assert ding.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert robot_server.accepted("dingtalk") == [] and robot_server.accepted("feishu") == []
    # the administrator fixes the secrets; the retry sweep sends them, once
    GroupRobot.objects.filter(kind="dingtalk").update(secret=DINGTALK_SECRET)
    GroupRobot.objects.filter(kind="feishu").update(secret=FEISHU_SECRET)
    with time_machine.travel(clock.now() + timedelta(seconds=31), tick=False):
        assert deliver(channel__in=("dingtalk", "feishu")) == ["sent", "sent"]
        assert deliver(channel__in=("dingtalk", "feishu")) == ["sent", "sent"]  # never twice
    assert len(robot_server.accepted("dingtalk")) == len(robot_server.accepted("feishu")) == 1


def test_breaches_wait_for_the_groups_morning_and_supervision_breaks_through(world, file_ticket, robots, robot_server):  # type: ignore[no-untyped-def]
    ticket = Ticket.objects.get(pk=file_ticket()["id"])
    with time_machine.travel(clock.now().replace(hour=23), tick=False):  # 23:00 Shanghai: quiet
        record_event(ticket, None, "escalated", public=False, level="breach", deadline="resolve")
        record_event(ticket, world.zone_manager, "supervised", public=False, level="supervision")
        breach = Notification.objects.get(robot=robots["park"], event_kind="escalated")
        supervised = Notification.objects.get(robot=robots["park"], event_kind="supervised")
        assert breach.status == "held" and breach.next_attempt_at.astimezone(SHANGHAI).hour == 8
        assert supervised.status == "pending" and supervised.urgent
        assert deliver(pk=supervised.pk) == ["sent"]
        assert deliver(pk=breach.pk) == ["held"]  # not before the morning
    # the department's groups hear only new tickets
    assert not Notification.objects.filter(robot__department__isnull=False, event_kind="escalated").exists()
    assert [m["markdown"]["content"].split("\n")[0] for m in robot_server.accepted("wecom")] == [
        f"**【督办】工单 {ticket.number}**"
    ]


def test_user_text_cannot_format_links_mentions_or_html_in_a_group(world, file_ticket, robots, robot_server):  # type: ignore[no-untyped-def]
    file_ticket(title="[点我](http://evil.example/) <@all> **急**", description="<font color=red>x</font>\n# 标题")
    deliver(robot__isnull=False)
    (wecom,) = robot_server.accepted("wecom")
    content = wecom["markdown"]["content"]
    assert "](http://evil.example/)" not in content and "<@all>" not in content and "<font" not in content
    assert "［点我］（http://evil.example/）" in content
    assert content.count("\n") == 2  # title, the text on one line, the link
    (ding,) = robot_server.accepted("dingtalk")
    assert "evil.example/)" not in ding["markdown"]["text"]


def test_redirects_are_not_followed(world, file_ticket, robots, robot_server):  # type: ignore[no-untyped-def]
    GroupRobot.objects.filter(pk=robots["wecom"].pk).update(url=robot_server.base() + "/redirect")
    file_ticket()
    assert deliver(channel="wecom") == ["failed"]  # a redirect is no passing trouble: not retried
    assert "redirect (HTTP 302" in Notification.objects.get(channel="wecom").last_error
    assert robot_server.accepted("wecom") == []


def test_an_inactive_robot_hears_nothing(world, file_ticket, robots):  # type: ignore[no-untyped-def]
    GroupRobot.objects.update(active=False)
    file_ticket()
    assert not Notification.objects.filter(robot__isnull=False).exists()


def test_each_robots_rows_are_published_in_a_task_of_their_own(
    world, file_ticket, robots, monkeypatch, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    from notifications import tasks

    published: list[list[int]] = []
    monkeypatch.setattr(tasks.notification_send_batch, "apply_async", lambda args, **kw: published.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        file_ticket()
    rows = {r.pk: r for r in Notification.objects.all()}
    robot_batches = [batch for batch in published if rows[batch[0]].robot_id is not None]
    assert [[rows[pk].robot_id for pk in batch] for batch in robot_batches] == [
        [robots["wecom"].pk],
        [robots["dingtalk"].pk],
        [robots["feishu"].pk],
    ]
    assert all(rows[pk].robot_id is None for batch in published if batch not in robot_batches for pk in batch)


def test_the_payload_is_stored_on_the_row_and_signed_only_when_sent(world, file_ticket, robots):  # type: ignore[no-untyped-def]
    file_ticket()
    row = Notification.objects.get(channel="feishu")
    body = json.loads(row.body)
    assert "sign" not in body and FEISHU_SECRET not in row.body and WECOM_KEY not in row.body
