"""Configuring group robots in the API and the admin: administrators only, the URL (with the
robot's key) and the secret are written and never shown back in full; a test send goes to the
robot at once (a real local server that checks the signature)."""

from __future__ import annotations

import pytest

from notifications.models import GroupRobot
from tests.notifications.robots import DINGTALK_SECRET, DINGTALK_TOKEN, WECOM_KEY

pytestmark = pytest.mark.django_db


def dingtalk(world, robot_server, **fields):  # type: ignore[no-untyped-def]
    values = {
        "name": "园区钉钉群",
        "kind": "dingtalk",
        "park": world.park,
        "url": robot_server.dingtalk_url(),
        "secret": DINGTALK_SECRET,
        **fields,
    }
    return GroupRobot.objects.create(**values)


def test_an_administrator_configures_a_robot_and_never_reads_its_secrets_back(world, api_as, robot_server):  # type: ignore[no-untyped-def]
    api = api_as(world.admin)
    response = api.post(
        "/api/v1/robots/",
        {
            "name": "供电群",
            "kind": "dingtalk",
            "department": world.power_dept.pk,
            "url": robot_server.dingtalk_url(),
            "secret": DINGTALK_SECRET,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["url_masked"] == f"http://127.0.0.1:{robot_server.port}/…{DINGTALK_TOKEN[-4:]}"
    assert body["secret_set"] is True
    assert "url" not in body and "secret" not in body
    listing = api.get("/api/v1/robots/").content.decode()
    assert DINGTALK_TOKEN not in listing and DINGTALK_SECRET not in listing
    # a change without the URL or the secret keeps them
    assert api.patch(f"/api/v1/robots/{body['id']}/", {"name": "供电服务群"}).status_code == 200
    robot = GroupRobot.objects.get(pk=body["id"])
    assert (robot.name, robot.url, robot.secret) == ("供电服务群", robot_server.dingtalk_url(), DINGTALK_SECRET)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"park": "P", "department": "D"}, "park"),
        ({}, "park"),
        ({"park": "P", "url": "javascript:alert(1)"}, "url"),
        ({"park": "P", "kind": "slack"}, "kind"),
        ({"park": "P", "url": None}, "url"),
    ],
)
def test_a_robot_names_a_park_or_a_department_and_a_url(world, api_as, fields, error):  # type: ignore[no-untyped-def]
    body = {"name": "群", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}
    body.update({k: {"P": world.park.pk, "D": world.power_dept.pk}.get(v, v) for k, v in fields.items()})  # type: ignore[call-overload]
    body = {k: v for k, v in body.items() if v is not None}
    response = api_as(world.admin).post("/api/v1/robots/", body)
    assert response.status_code == 400
    assert error in response.json()
    assert not GroupRobot.objects.exists()


@pytest.mark.parametrize("who", ["zone_manager", "park_manager", "chief", "company"])
def test_only_administrators_see_or_change_robots(world, api_as, robot_server, who):  # type: ignore[no-untyped-def]
    robot = dingtalk(world, robot_server)
    api = api_as(getattr(world, who))
    assert api.get("/api/v1/robots/").status_code == 403
    assert api.post(f"/api/v1/robots/{robot.pk}/test/").status_code == 403
    assert api.delete(f"/api/v1/robots/{robot.pk}/").status_code == 403
    assert GroupRobot.objects.filter(pk=robot.pk).exists()
    assert robot_server.received == []


def test_the_api_test_send_reaches_the_robot_or_says_why_not(world, api_as, robot_server):  # type: ignore[no-untyped-def]
    good = dingtalk(world, robot_server)
    bad = dingtalk(world, robot_server, name="错误密钥")
    GroupRobot.objects.filter(pk=bad.pk).update(secret="wrong")
    api = api_as(world.admin)
    assert api.post(f"/api/v1/robots/{good.pk}/test/").json() == {"sent": True, "detail": ""}
    answer = api.post(f"/api/v1/robots/{bad.pk}/test/").json()
    assert answer["sent"] is False and "310000" in answer["detail"]
    (message,) = robot_server.accepted("dingtalk")
    assert message["markdown"]["title"] == "园区企业服务平台测试消息"


def test_the_admin_form_keeps_the_secrets_out_of_the_page(world, client, robot_server):  # type: ignore[no-untyped-def]
    robot = dingtalk(world, robot_server)
    client.force_login(world.admin)
    page = client.get(f"/admin/notifications/grouprobot/{robot.pk}/change/").content.decode()
    assert DINGTALK_SECRET not in page and DINGTALK_TOKEN not in page
    assert f"…{DINGTALK_TOKEN[-4:]}" in page
    response = client.post(
        f"/admin/notifications/grouprobot/{robot.pk}/change/",
        {
            "name": "改名",
            "kind": "dingtalk",
            "park": world.park.pk,
            "department": "",
            "url": "",
            "secret": "",
            "language": "zh-hans",
            "quiet_start": "22:00",
            "quiet_end": "08:00",
            "active": "on",
        },
    )
    assert response.status_code == 302
    robot.refresh_from_db()
    assert (robot.name, robot.url, robot.secret) == ("改名", robot_server.dingtalk_url(), DINGTALK_SECRET)


def test_the_admin_sends_a_test_message(world, client, robot_server):  # type: ignore[no-untyped-def]
    wecom = GroupRobot.objects.create(name="园区群", kind="wecom", park=world.park, url=robot_server.wecom_url())
    broken = GroupRobot.objects.create(name="坏群", kind="wecom", park=world.park, url=robot_server.wecom_url("nokey"))
    client.force_login(world.admin)
    response = client.post(
        "/admin/notifications/grouprobot/",
        {"action": "send_test_message", "_selected_action": [wecom.pk, broken.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "园区群：已发送" in text or "园区群: sent" in text
    assert "93000" in text
    assert len(robot_server.accepted("wecom")) == 1
    assert WECOM_KEY not in client.get("/admin/notifications/grouprobot/").content.decode()
