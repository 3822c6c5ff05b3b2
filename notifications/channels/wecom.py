"""企业微信 group robot: a markdown message POSTed to the robot's URL (the key is in the URL;
WeCom robots have no signature). The answer is `{"errcode": 0, "errmsg": "ok"}`."""

from __future__ import annotations

import json
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from notifications.models import Notification

from . import robot
from .base import DeliveryError

#: WeCom's limit on a markdown message, in bytes
MAX_BYTES = 4096


def message(title: str, text: str, link: str, language: str) -> dict[str, Any]:
    lines = [f"**{robot.plain(title, 80)}**"]
    if text:
        lines.append("> " + robot.plain(text, 300))
    if link:
        with translation.override(language):
            lines.append(f"[{gettext('Open in the service desk')}]({robot.absolute(link)})")
    content = "\n".join(lines)
    while len(content.encode()) > MAX_BYTES:  # only a very long base URL can get here
        content = content[:-100]
    return {"msgtype": "markdown", "markdown": {"content": content}}


def send(notification: Notification) -> None:
    bot = notification.robot
    if bot is None or not bot.active:
        raise DeliveryError("the group robot is gone or inactive")
    robot.require_ok(robot.post(bot.url, json.loads(notification.body)), "errcode")
