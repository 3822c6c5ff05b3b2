"""The one way out for webhooks and group robots: POSTs that never reach the desk's own
network (server-side request forgery).

A receiver's URL is checked when it is saved (`validate_public_url`, a field validator) and
again at every connection: the host is resolved, every address it resolves to must be public
(not loopback, private, link-local — the cloud metadata address 169.254.169.254 among them —,
shared, multicast, reserved or unspecified, nor an IPv6 address that embeds one of those), and
the socket is opened to the address that was checked, never to a second resolution of the
name (DNS rebinding). The Host header and, over HTTPS, the server name and the certificate
check stay those of the URL. Redirects are never followed, and proxies from the environment are
not used (a proxy would resolve the name itself). `NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS`
lets named networks through (an on-premise receiver, the tests' local servers).

A refused address fails before any connection is tried, with the same words whatever listens
there: the admin's test send cannot tell an open internal port from a closed one."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _

from .base import DeliveryError, Undeliverable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: NAT64's well-known prefix: its last 32 bits are an IPv4 address a NAT64 gateway reaches
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RefusedAddress(Undeliverable):
    """The host resolves to an address notifications may not be sent to."""


@lru_cache(maxsize=8)
def _parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS: {exc}") from exc


def allowed_networks() -> tuple[Network, ...]:
    """The networks of `NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS` (CIDR; a bare address is a /32
    or /128)."""
    return _parse_networks(tuple(getattr(settings, "NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS", ())))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, Teredo, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _public(address: Address) -> bool:
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def is_allowed(address: Address) -> bool:
    """Whether notifications may go to this address: a public one (and, for an IPv6 address
    that carries an IPv4 one, that one public too), or one in an allowed network."""
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            candidates.append(embedded)
    networks = allowed_networks()
    if any(candidate in network for candidate in candidates for network in networks):  # False across versions
        return True
    return all(_public(candidate) for candidate in candidates)


def resolve(host: str, port: int) -> list[tuple[int, Address]]:
    """(family, address) for every address `host` resolves to (a literal address is itself);
    socket.gaierror when it does not resolve."""
    found: list[tuple[int, Address]] = []
    for family, _type, _proto, _name, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # no IPv6 zone id
        if (family, address) not in found:
            found.append((family, address))
    return found


def _refused(addresses: Iterable[tuple[int, Address]]) -> bool:
    return any(not is_allowed(address) for _family, address in addresses)


# --- when a URL is saved -------------------------------------------------------------------


def validate_public_url(value: str) -> None:
    """A receiver's URL: http or https, and a host that resolves to no address notifications
    may not be sent to. A host that does not resolve now is let through (the connection is
    checked again when it is made)."""
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http:// or https:// address."), code="url_scheme")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError(_("Enter an http:// or https:// address."), code="url_scheme") from exc
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        return
    if _refused(addresses):
        raise ValidationError(
            _(
                "Notifications are not sent to loopback, private, link-local or reserved addresses, "
                "and this address's host is one of them (or resolves to one)."
            ),
            code="url_not_public",
        )


# --- when a connection is made -------------------------------------------------------------


def _create_connection(address: tuple[str, int], timeout: Any, source_address: Any = None) -> socket.socket:
    """socket.create_connection, but to the addresses that were checked: RefusedAddress when
    any address of the host is refused (before any connection is tried)."""
    host, port = address
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise DeliveryError(f"could not resolve {host}") from exc
    if _refused(addresses):
        raise RefusedAddress(
            f"{host} is (or resolves to) a loopback, private, link-local or reserved address; "
            "notifications are not sent there"
        )
    error: OSError | None = None
    for _family, checked in addresses:
        try:
            return socket.create_connection((str(checked), port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(f"no address for {host}")


class GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _create_connection


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    """The socket to the checked address; TLS with the URL's host as server name and for the
    certificate check (HTTPSConnection.connect wraps the socket with `server_hostname=host`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _create_connection


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(GuardedHTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self) -> None:
        super().__init__()
        self._tls = ssl.create_default_context()

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(GuardedHTTPSConnection, req, context=self._tls)


def _opener() -> urllib.request.OpenerDirector:
    """http and https through the guard; no proxy, no redirect handler (a 3xx is an
    HTTPError), no other scheme."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _HTTPHandler(),
        _HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


_OPENER = _opener()


def post(url: str, body: bytes, headers: dict[str, str], *, who: str, read: int = 0) -> tuple[int, bytes]:
    """POST `body` to `url` through the guard; (the 2xx status, the first `read` bytes of the
    answer). `who` names the receiver in the errors ("webhook", "robot"). Undeliverable for
    what no retry can change: a URL that is not http(s), a refused address, a redirect;
    DeliveryError for the rest (a non-2xx answer, a timeout, a refused connection)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise Undeliverable(f"{who} URLs must be http(s)")
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 (scheme checked)
    try:
        with _OPENER.open(request, timeout=settings.NOTIFICATIONS_WEBHOOK_TIMEOUT) as response:
            return int(response.status), response.read(read) if read else b""
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:
            location = (exc.headers.get("Location") or "")[:200]
            raise Undeliverable(
                f"{who} answered a redirect (HTTP {exc.code} to {location or 'nowhere'}); redirects are not followed"
            ) from None
        raise DeliveryError(f"{who} answered HTTP {exc.code}") from None
    except OSError as exc:  # URLError, timeouts, refused connections
        raise DeliveryError(f"{who}: {exc}") from exc
