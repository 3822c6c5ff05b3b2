"""What the three group robots share (企业微信, 钉钉, 飞书): user text made harmless for a chat
message, the link back to the desk, a masked form of the secrets for showing, and the POST of
a JSON body that refuses redirects and reads the robot's own error code.

Each robot's module builds its message (`message(title, text, link) -> dict`, stored as the
outbox row's body when the row is written) and signs it when it is sent (`send(row)`)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings

from . import safeurl
from .base import DeliveryError

#: characters that start markdown or HTML (links, emphasis, headings, <@mentions>, <font>),
#: replaced by their full-width forms: user text reads the same and formats nothing
_MARKUP = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "<": "＜",
        ">": "＞",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "#": "＃",
        "~": "～",
        "|": "｜",
        "!": "！",
        "\\": "＼",
    }
)
_SPACE = re.compile(r"\s+")


def plain(text: str, limit: int) -> str:
    """User text on one line, without markup, at most `limit` characters."""
    text = _SPACE.sub(" ", text.translate(_MARKUP)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def absolute(link: str) -> str:
    """A path of the desk as a URL (SERVICEDESK_BASE_URL); empty stays empty."""
    if not link:
        return ""
    return settings.SERVICEDESK_BASE_URL.rstrip("/") + "/" + link.lstrip("/")


def mask(value: str, keep: int = 4) -> str:
    """A secret as it may be shown: its last few characters (and a URL's scheme and host)."""
    if not value:
        return ""
    match = re.match(r"^(https?://[^/?#]+)", value)
    prefix = match.group(1) + "/…" if match else "…"
    return prefix + value[-keep:] if len(value) > 2 * keep else prefix


def post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    """POST JSON to a robot; its answer (a JSON object), or DeliveryError. It goes through
    `safeurl` (public addresses only, redirects refused); a short timeout holds up only this
    delivery."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "park-service-desk/1"}
    _status, raw = safeurl.post(url, body, headers, who="robot", read=65536)
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise DeliveryError("robot answered something that is not JSON") from exc
    return answer if isinstance(answer, dict) else {}


def require_ok(answer: dict[str, Any], *keys: str) -> None:
    """The robots answer HTTP 200 with their own error code (`errcode` for WeCom and DingTalk,
    `code` or `StatusCode` for Feishu): anything but 0 is a failed delivery."""
    for key in keys:
        if key in answer:
            if answer[key] in (0, "0"):
                return
            message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
            raise DeliveryError(f"robot refused the message: {answer[key]} {message}"[:500])
    raise DeliveryError("robot answered without a result code")
