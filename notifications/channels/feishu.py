"""飞书 / Lark custom bot: a rich-text ("post") message POSTed to the bot's URL, signed when
the bot has a secret ("签名校验"): the body carries `timestamp` (seconds) and `sign` = base64
of HMAC-SHA256 with "<timestamp>\\n<secret>" as the key over an empty message. The answer is
`{"code": 0, "msg": "success"}` (older bots: `{"StatusCode": 0}`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from notifications.models import Notification
from servicedesk import clock

from . import robot
from .base import DeliveryError


def sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def message(title: str, text: str, link: str, language: str) -> dict[str, Any]:
    content: list[list[dict[str, str]]] = []
    if text:
        content.append([{"tag": "text", "text": robot.plain(text, 300)}])
    if link:
        with translation.override(language):
            label = gettext("Open in the service desk")
        content.append([{"tag": "a", "text": label, "href": robot.absolute(link)}])
    locale = "zh_cn" if language.startswith("zh") else "en_us"
    return {"msg_type": "post", "content": {"post": {locale: {"title": robot.plain(title, 80), "content": content}}}}


def send(notification: Notification) -> None:
    bot = notification.robot
    if bot is None or not bot.active:
        raise DeliveryError("the group robot is gone or inactive")
    payload = json.loads(notification.body)
    if bot.secret:
        timestamp = str(int(clock.now().timestamp()))
        payload = {"timestamp": timestamp, "sign": sign(bot.secret, timestamp), **payload}
    robot.require_ok(robot.post(bot.url, payload), "code", "StatusCode")
