"""A fixed-window counter on the shared cache: at most `limit` events per `window` seconds for
one key (a client address, an e-mail address). Windows follow servicedesk.clock, so tests move
time with time-machine; the key is hashed, so no address is written to the cache in clear.
While Redis is away the counts are kept per process (servicedesk.cache): a limit may be met a
little later, never lifted."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from . import clock


def hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Count one event for `ident` in the current window; True while the count is within `limit`."""
    bucket = int(clock.now().timestamp()) // window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{bucket}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
