"""钉钉 custom robot: a markdown message POSTed to the robot's URL (with its access_token),
signed when the robot has a secret ("加签"): `timestamp` (milliseconds) and `sign` =
url-encoded base64 of HMAC-SHA256 with the secret as key over "<timestamp>\\n<secret>",
added to the query string. The answer is `{"errcode": 0, "errmsg": "ok"}`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote_plus

from django.utils import translation
from django.utils.translation import gettext

from notifications.models import Notification
from servicedesk import clock

from . import robot
from .base import DeliveryError


def sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    if not secret:
        return url
    timestamp = str(timestamp_ms)
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp}&sign={quote_plus(sign(secret, timestamp))}"


def message(title: str, text: str, link: str, language: str) -> dict[str, Any]:
    heading = robot.plain(title, 80)
    lines = [f"#### {heading}"]
    if text:
        lines.append("> " + robot.plain(text, 300))
    if link:
        with translation.override(language):
            lines.append(f"[{gettext('Open in the service desk')}]({robot.absolute(link)})")
    return {"msgtype": "markdown", "markdown": {"title": heading, "text": "\n\n".join(lines)}}


def send(notification: Notification) -> None:
    bot = notification.robot
    if bot is None or not bot.active:
        raise DeliveryError("the group robot is gone or inactive")
    url = signed_url(bot.url, bot.secret, int(clock.now().timestamp() * 1000))
    robot.require_ok(robot.post(url, json.loads(notification.body)), "errcode")
