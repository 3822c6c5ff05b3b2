"""A real HTTP server on 127.0.0.1 that plays the three robot services and checks each
request as the services document it: WeCom's key in the URL and its markdown body; DingTalk's
access_token, `timestamp` (ms, within an hour) and `sign` (base64 HMAC-SHA256, key = secret,
message = "<timestamp>\\n<secret>") in the query; Feishu's `timestamp` (s) and `sign`
(base64 HMAC-SHA256, key = "<timestamp>\\n<secret>", empty message) in the body. Each answers
as the service does, with its own error codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "c4d2e0b1a9f8"
DINGTALK_SECRET = "SEC0123456789abcdef"
FEISHU_TOKEN = "2f9d8c7b-6a5e-4d3c-b2a1-0f9e8d7c6b5a"
FEISHU_SECRET = "feishu-signing-secret"


@dataclass
class RobotServer:
    port: int = 0
    dingtalk_secret: str = DINGTALK_SECRET
    feishu_secret: str = FEISHU_SECRET
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wecom_url(self, key: str = WECOM_KEY) -> str:
        return f"{self.base()}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token: str = DINGTALK_TOKEN) -> str:
        return f"{self.base()}/robot/send?access_token={token}"

    def feishu_url(self, token: str = FEISHU_TOKEN) -> str:
        return f"{self.base()}/open-apis/bot/v2/hook/{token}"

    def accepted(self, service: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r["json"] for r in self.received if r["service"] == service and r["ok"]]

    def answer(self, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> tuple[str, bool, dict[str, Any]]:
        now = time.time()
        if path == "/cgi-bin/webhook/send":
            ok = query.get("key") == [WECOM_KEY]
            content = body.get("markdown", {}).get("content", "")
            ok = ok and body.get("msgtype") == "markdown" and 0 < len(content.encode()) <= 4096
            return "wecom", ok, {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 93000, "errmsg": "invalid"}
        if path == "/robot/send":
            timestamp = query.get("timestamp", [""])[0]
            expected = base64.b64encode(
                hmac.new(
                    self.dingtalk_secret.encode(), f"{timestamp}\n{self.dingtalk_secret}".encode(), hashlib.sha256
                ).digest()
            ).decode()
            fresh = timestamp.isdigit() and abs(int(timestamp) / 1000 - now) < 3600
            ok = query.get("access_token") == [DINGTALK_TOKEN] and fresh
            ok = ok and hmac.compare_digest(query.get("sign", [""])[0], expected)
            ok = ok and body.get("msgtype") == "markdown" and bool(body["markdown"].get("title"))
            return "dingtalk", ok, {"errcode": 0, "errmsg": "ok"} if ok else {"errcode": 310000, "errmsg": "sign"}
        if path == f"/open-apis/bot/v2/hook/{FEISHU_TOKEN}":
            timestamp = str(body.get("timestamp", ""))
            expected = base64.b64encode(
                hmac.new(f"{timestamp}\n{self.feishu_secret}".encode(), b"", hashlib.sha256).digest()
            ).decode()
            fresh = timestamp.isdigit() and abs(int(timestamp) - now) < 3600
            ok = fresh and hmac.compare_digest(str(body.get("sign", "")), expected)
            ok = ok and body.get("msg_type") == "post"
            answer = {"code": 0, "msg": "success", "data": {}}
            return "feishu", ok, answer if ok else {"code": 19021, "msg": "sign match fail", "data": {}}
        return "unknown", False, {"errcode": 404}


def _handler(server: RobotServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            parts = urlsplit(self.path)
            if parts.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", server.wecom_url())
                self.end_headers()
                return
            payload = json.loads(body or b"{}")
            json_type = self.headers.get("Content-Type", "").startswith("application/json")
            service, ok, answer = server.answer(parts.path, parse_qs(parts.query), payload)
            ok = ok and json_type
            with server.lock:
                server.received.append({"service": service, "ok": ok, "json": payload, "query": parts.query})
            data = json.dumps(answer).encode()
            self.send_response(200)  # the services answer 200 and put their verdict in the body
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def robot_server(settings) -> Iterator[RobotServer]:  # type: ignore[no-untyped-def]
    """The robot services, and their address let through the SSRF guard (notifications/channels/safeurl.py)."""
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    rec = RobotServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    httpd.daemon_threads = True
    rec.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        httpd.shutdown()
        httpd.server_close()
