"""The live queue's token: what an open queue page has seen, carried in its polling address.

The queue page asks `work-queue-changes` every `POLL_SECONDS` whether anything in its view
changed since the token's `since`; the answer is 204 (nothing) or the refreshed rows with a
new token. The token is signed (and bound to its user), so its list of the page's tickets
cannot be used to learn whether someone else's ticket changed. No Redis in the path: the
check is one indexed query (docs/live-queue.md has the choice and its cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing

from servicedesk.models import User

#: How often an open queue page asks (the issue asks for news within 5 seconds).
POLL_SECONDS = 4
#: How far back the first check looks from the page's reading: a change whose transaction
#: committed while the page was read (its `updated_at` a little older) still refreshes the
#: rows (the first check may then refresh them once for nothing; the marks count from the
#: reading itself).
LAG = timedelta(seconds=1)
#: A token older than this is refused (the page says to reload): a day of an open tab.
MAX_AGE = timedelta(days=1)

_SALT = "web.tickets.live"


@dataclass(frozen=True)
class LiveState:
    loaded: datetime  # the page was read then: what changed later is marked
    since: datetime  # the latest change the page shows
    shown: tuple[int, ...]  # the tickets on the page


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    """Exact (a float would round, and the same change would be news at every check)."""
    return (moment - _EPOCH) // _MICROSECOND


def _moment(micros: int) -> datetime:
    return _EPOCH + micros * _MICROSECOND


def token(*, user: User, loaded: datetime, since: datetime, shown: list[int]) -> str:
    return signing.dumps(
        {"u": user.pk, "l": _micros(loaded), "s": _micros(since), "i": shown}, salt=_SALT, compress=True
    )


def read(value: str, *, user: User) -> LiveState | None:
    """The state in a token; None when it is not one, not this user's or too old."""
    try:
        data = signing.loads(value, salt=_SALT, max_age=MAX_AGE)
        if data["u"] != user.pk:
            return None
        return LiveState(
            loaded=_moment(int(data["l"])),
            since=_moment(int(data["s"])),
            shown=tuple(int(pk) for pk in data["i"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
