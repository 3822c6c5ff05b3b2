"""Webhooks and group robots cannot be turned on the desk's own network (server-side request
forgery): a receiver's redirect is never followed, a URL whose host is (or resolves to) a
loopback, private, link-local, metadata or reserved address is refused when it is saved (API
400, admin form error) and again when a delivery connects (also for a row saved before the
rule, or a name that resolves elsewhere later), and the admin's test sends cannot tell an
open internal port from a closed one. `NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS` lets named
networks through. The receivers are real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from notifications import delivery
from notifications.channels import safeurl
from notifications.models import GroupRobot, Notification, WebhookEndpoint
from servicedesk import clock as desk_clock

pytestmark = pytest.mark.django_db

LOOPBACK = ["127.0.0.1/32"]


@dataclass
class Server:
    """A local HTTP server that records every request (path and Host header) and answers
    `status`, with `location` as its Location header when it is set."""

    status: int = 204
    location: str = ""
    body: bytes = b""
    hits: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """serve(**Server fields) → a running server; all stopped at the end."""
    servers: list[ThreadingHTTPServer] = []

    def start(**fields: object) -> Server:
        rec = Server(**fields)  # type: ignore[arg-type]

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with rec.lock:
                    rec.hits.append({"path": self.path, "host": self.headers.get("Host", "")})
                self.send_response(rec.status)
                if rec.location:
                    self.send_header("Location", rec.location)
                self.send_header("Content-Length", str(len(rec.body)))
                self.end_headers()
                self.wfile.write(rec.body)

            do_GET = do_POST  # a followed 303 would come back as a GET

            def log_message(self, *args: object) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        httpd.daemon_threads = True
        rec.port = httpd.server_address[1]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return rec

    try:
        yield start
    finally:
        for httpd in servers:
            httpd.shutdown()
            httpd.server_close()


@pytest.fixture
def names(monkeypatch) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """A fake DNS for names under `.example`: names[host] = the addresses it resolves to now
    (the test may change them between save and send); every other name resolves as usual."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(host, str) and host in table:
            answers = []
            for address in table[host]:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
                answers.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
            return answers
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def endpoint_row(world, url: str) -> tuple[WebhookEndpoint, Notification]:  # type: ignore[no-untyped-def]
    """An endpoint written straight to the database (no validation: as a row saved before the
    rule, or by a migration) and a pending delivery to it."""
    endpoint = WebhookEndpoint.objects.create(department=world.service_dept, url=url, secret="s")
    now = desk_clock.now()
    row = Notification.objects.create(
        endpoint=endpoint,
        channel="webhook",
        event_kind="created",
        subject="t",
        body=json.dumps({"event_id": 1}),
        next_attempt_at=now,
        created_at=now,
        dedup_key=f"ssrf:{endpoint.pk}",
    )
    return endpoint, row


def deliver(row: Notification) -> Notification:
    delivery.notification_deliver(notification_id=row.pk)
    row.refresh_from_db()
    return row


# --- redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_receivers_redirect_is_not_followed_and_fails_the_delivery(world, serve, settings, status):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = LOOPBACK  # both servers are local
    inner = serve()
    outer = serve(status=status, location=inner.url("/internal"))
    _, row = endpoint_row(world, outer.url())

    row = deliver(row)

    assert len(outer.hits) == 1
    assert inner.hits == []  # the signed request never reached the redirect's target
    assert row.status == "failed" and row.attempts == 1  # no retry can change a redirect
    assert f"redirect (HTTP {status} to {inner.url('/internal')})" in row.last_error
    assert "redirects are not followed" in row.last_error


def test_a_robots_redirect_is_not_followed_either(world, serve, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = LOOPBACK
    inner = serve(status=200, body=b'{"errcode": 0}')
    outer = serve(status=302, location=inner.url("/cgi-bin/webhook/send?key=k"))
    robot = GroupRobot.objects.create(name="群", kind="wecom", park=world.park, url=outer.url("/cgi-bin/webhook/send"))
    from notifications.channels import DeliveryError
    from notifications.services import robot_test_send

    with pytest.raises(DeliveryError, match=r"redirect \(HTTP 302"):
        robot_test_send(robot=robot)
    assert len(outer.hits) == 1 and inner.hits == []


# --- when a URL is saved -----------------------------------------------------------------

REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://10.0.0.8/hook",
    "http://172.16.5.4/hook",
    "http://172.31.255.255/hook",
    "http://192.168.1.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",  # shared address space (carrier NAT)
    "http://0.0.0.0:8000/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://[fd00:ec2::254]/latest/meta-data/",  # the IPv6 metadata address
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",  # IPv4-mapped 169.254.169.254
    "http://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "http://localhost:8000/hook",
    "https://intranet.example/hook",  # resolves to a private address
    "https://split.example/hook",  # one public address and one private: any private one refuses
]


@pytest.fixture
def fake_dns(names) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    names.update(
        {
            "intranet.example": ["10.1.2.3"],
            "split.example": ["93.184.216.34", "192.168.0.7"],
            "hooks.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        }
    )
    return names


@pytest.mark.parametrize("url", REFUSED)
def test_a_url_to_an_internal_address_is_refused_when_saved(url, fake_dns, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    with pytest.raises(ValidationError) as caught:
        safeurl.validate_public_url(url)
    assert caught.value.code == "url_not_public"


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://hooks.example/hook",
        "https://no-such-host.invalid/hook",  # not resolvable now: checked again when sent
    ],
)
def test_a_url_to_a_public_address_is_accepted(url, fake_dns, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    safeurl.validate_public_url(url)


@pytest.mark.parametrize("url", ["ftp://93.184.216.34/x", "file:///etc/passwd", "gopher://127.0.0.1:6379/_", "http://"])
def test_only_http_and_https_urls_are_accepted(url):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        safeurl.validate_public_url(url)
    assert caught.value.code == "url_scheme"


def test_the_allow_list_lets_named_networks_through_and_no_others(settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32", "10.20.0.0/16"]
    safeurl.validate_public_url("http://127.0.0.1:8080/hook")
    safeurl.validate_public_url("http://10.20.3.4/hook")
    safeurl.validate_public_url("http://[::ffff:127.0.0.1]/hook")  # the same address, IPv4-mapped
    for url in ["http://127.0.0.2/hook", "http://10.21.0.1/hook", "http://169.254.169.254/", "http://[::1]/"]:
        with pytest.raises(ValidationError):
            safeurl.validate_public_url(url)


def test_a_mistyped_allow_list_is_a_configuration_error(settings):  # type: ignore[no-untyped-def]
    from django.core.exceptions import ImproperlyConfigured

    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured):
        safeurl.validate_public_url("http://10.0.0.1/hook")


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://localhost:6379/", "http://[::1]/"])
def test_the_api_refuses_a_robot_url_to_an_internal_address(world, api_as, url, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    api = api_as(world.admin)
    body = {"name": "群", "kind": "wecom", "park": world.park.pk, "url": url}
    response = api.post("/api/v1/robots/", body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "loopback, private, link-local or reserved" in response.json()["url"][0]
    assert not GroupRobot.objects.exists()
    # nor can an existing robot be pointed there
    robot = GroupRobot.objects.create(name="群", kind="wecom", park=world.park, url="https://93.184.216.34/send")
    response = api.patch(f"/api/v1/robots/{robot.pk}/", {"url": url})
    assert response.status_code == 400 and "url" in response.json()
    robot.refresh_from_db()
    assert robot.url == "https://93.184.216.34/send"


def test_the_refusal_is_said_in_the_users_language(world, api_as, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    body = {"name": "群", "kind": "wecom", "park": world.park.pk, "url": "http://10.0.0.1/"}
    response = api_as(world.admin).post("/api/v1/robots/", body, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "内网" in response.json()["url"][0]
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            safeurl.validate_public_url("http://10.0.0.1/")
        assert "private" in caught.value.messages[0]


def test_the_admin_forms_refuse_an_internal_address(world, client, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    client.force_login(world.admin)
    response = client.post(
        "/admin/notifications/webhookendpoint/add/",
        {
            "name": "内网",
            "department": world.service_dept.pk,
            "url": "http://169.254.169.254/latest/meta-data/",
            "secret": "s",
            "language": "zh-hans",
            "active": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200  # the form again, with its error
    assert response.context["adminform"].form.errors["url"][0].startswith("Notifications are not sent to loopback")
    assert not WebhookEndpoint.objects.exists()

    response = client.post(
        "/admin/notifications/grouprobot/add/",
        {
            "name": "群",
            "kind": "dingtalk",
            "park": world.park.pk,
            "department": "",
            "url": "http://[::1]:8080/robot/send?access_token=x",
            "secret": "",
            "language": "zh-hans",
            "quiet_start": "22:00",
            "quiet_end": "08:00",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not GroupRobot.objects.exists()


# --- when a delivery connects --------------------------------------------------------------


def test_a_row_saved_before_the_rule_is_refused_when_it_connects(world, serve, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    server = serve()
    _, row = endpoint_row(world, server.url())  # straight into the database: no validation

    row = deliver(row)

    assert server.hits == []  # not even a connection's worth: refused before connecting
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error.startswith("RefusedAddress: 127.0.0.1 is (or resolves to) a loopback, private")


def test_a_name_that_resolves_elsewhere_after_it_was_saved_is_refused(world, serve, names, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    server = serve()
    names["rebind.example"] = ["93.184.216.34"]
    url = server.url(host="rebind.example")
    safeurl.validate_public_url(url)  # public when saved
    _, row = endpoint_row(world, url)
    names["rebind.example"] = ["127.0.0.1"]  # and internal when sent

    row = deliver(row)

    assert server.hits == []
    assert row.status == "failed" and "RefusedAddress: rebind.example" in row.last_error


def test_the_connection_goes_to_the_checked_address_with_the_urls_host(world, serve, names, settings, monkeypatch):  # type: ignore[no-untyped-def]
    """One resolution per connection, and the socket to the address it gave: a second lookup
    (which a rebinding name would answer differently) is never made."""
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = LOOPBACK
    server = serve()
    names["receiver.example"] = ["127.0.0.1"]
    lookups: list[str] = []
    resolve = safeurl.resolve
    monkeypatch.setattr(safeurl, "resolve", lambda host, port: lookups.append(host) or resolve(host, port))
    _, row = endpoint_row(world, server.url(host="receiver.example"))

    row = deliver(row)

    assert row.status == "sent", row.last_error
    assert lookups == ["receiver.example"]
    assert server.hits == [{"path": "/hook", "host": f"receiver.example:{server.port}"}]


def test_the_allow_list_lets_the_local_receiver_through(world, serve, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = LOOPBACK
    server = serve()
    safeurl.validate_public_url(server.url())
    _, row = endpoint_row(world, server.url())
    assert deliver(row).status == "sent"
    assert len(server.hits) == 1


def test_a_failing_allowed_receiver_is_still_retried(world, serve, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = LOOPBACK
    server = serve(status=503)
    _, row = endpoint_row(world, server.url())
    row = deliver(row)
    assert row.status == "pending" and "HTTP 503" in row.last_error


# --- the admin's test sends are no port scanner ------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_admin_test_delivery_says_the_same_of_an_open_and_a_closed_internal_port(world, client, serve, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    server = serve()
    open_one = WebhookEndpoint.objects.create(
        name="A", department=world.service_dept, url=f"http://127.0.0.1:{server.port}/", secret="s"
    )
    closed_one = WebhookEndpoint.objects.create(
        name="B", department=world.service_dept, url=f"http://127.0.0.1:{closed_port()}/", secret="s"
    )
    client.force_login(world.admin)
    response = client.post(
        "/admin/notifications/webhookendpoint/",
        {"action": "send_test_delivery", "_selected_action": [open_one.pk, closed_one.pk]},
        follow=True,
    )
    said = sorted(str(m) for m in response.context["messages"])
    assert len(said) == 2
    assert said[0].removeprefix("A: ") == said[1].removeprefix("B: ")
    assert "loopback, private, link-local or reserved" in said[0]
    assert server.hits == []


def test_the_robot_test_send_says_the_same_of_an_open_and_a_closed_internal_port(world, api_as, serve, settings):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = []
    server = serve(status=200, body=b'{"errcode": 0}')
    api = api_as(world.admin)
    answers = []
    for port in (server.port, closed_port()):
        robot = GroupRobot.objects.create(name="群", kind="wecom", park=world.park, url=f"http://127.0.0.1:{port}/")
        answers.append(api.post(f"/api/v1/robots/{robot.pk}/test/").json())
    assert answers[0] == answers[1]
    assert answers[0]["sent"] is False and "loopback, private" in answers[0]["detail"]
    assert server.hits == []


# --- HTTPS: the socket to the checked address, TLS for the URL's host -----------------------


@pytest.fixture
def tls_server(tmp_path, settings, monkeypatch) -> Iterator[tuple[Server, list[str]]]:  # type: ignore[no-untyped-def]
    """An HTTPS server on 127.0.0.1 with a certificate for receiver.example only (no IP in
    it), trusted by the guard's TLS context for this test; the server names (SNI) it heard."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    make = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    where = ["-keyout", str(key), "-out", str(cert), "-days", "1"]
    subject = ["-subj", "/CN=receiver.example", "-addext", "subjectAltName=DNS:receiver.example"]
    subprocess.run([*make, *where, *subject], check=True, capture_output=True)  # noqa: S603 - fixed arguments
    heard: list[str] = []
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)

    def hear(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        heard.append(name or "")

    server_side.sni_callback = hear  # type: ignore[assignment]
    client_side = ssl.create_default_context(cafile=str(cert))
    handler = next(h for h in safeurl._OPENER.handlers if isinstance(h, safeurl._HTTPSHandler))
    monkeypatch.setattr(handler, "_tls", client_side)
    settings.NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS = LOOPBACK
    rec = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with rec.lock:
                rec.hits.append({"path": self.path, "host": self.headers.get("Host", "")})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    class TLSServer(ThreadingHTTPServer):
        def get_request(self):  # type: ignore[no-untyped-def]
            sock, address = super().get_request()
            try:
                return server_side.wrap_socket(sock, server_side=True), address
            except (ssl.SSLError, OSError):
                sock.close()
                raise

        def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
            pass

    httpd = TLSServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    rec.port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield rec, heard
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_https_goes_to_the_checked_address_with_the_urls_name_and_certificate(world, tls_server, names):  # type: ignore[no-untyped-def]
    server, heard = tls_server
    names["receiver.example"] = ["127.0.0.1"]
    names["other.example"] = ["127.0.0.1"]
    _, row = endpoint_row(world, f"https://receiver.example:{server.port}/hook")

    row = deliver(row)

    assert row.status == "sent", row.last_error  # the certificate names the host, not the address
    assert heard == ["receiver.example"]
    assert server.hits == [{"path": "/hook", "host": f"receiver.example:{server.port}"}]

    # the same server under a name its certificate does not carry: refused by the TLS check
    endpoint = WebhookEndpoint.objects.create(
        department=world.service_dept, url=f"https://other.example:{server.port}/hook", secret="s"
    )
    from notifications.channels import DeliveryError
    from notifications.channels.webhook import post

    with pytest.raises(DeliveryError, match=r"CERTIFICATE_VERIFY_FAILED|match"):
        post(endpoint, b"{}")
    assert len(server.hits) == 1
