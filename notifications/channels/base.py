"""What every channel module shares: the error of a delivery that may succeed later."""

from __future__ import annotations


class DeliveryError(Exception):
    """A delivery that failed and may succeed later (the row is retried with backoff)."""
