"""What every channel module shares: the errors of a delivery that may succeed later and of
one that cannot."""

from __future__ import annotations


class DeliveryError(Exception):
    """A delivery that failed and may succeed later (the row is retried with backoff)."""


class Undeliverable(DeliveryError):
    """A delivery no retry can make succeed (a redirect, an address notifications may not be
    sent to, a URL that is not http(s)): the row is marked failed at once."""
