"""Ids read from a URL or a request: ASCII digits that fit PostgreSQL's bigint.

Django's int() would read `/tickets/١/` (an Arabic-Indic one) as ticket 1, and `1e309` or a
twenty-digit id would reach the database as an overflow; here each of them is a 404 with the
endpoint's own message, as a row outside the caller's scope is."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from servicedesk.errors import NotFound

BIGINT_MAX = 2**63 - 1


def path_id(raw: object, message: str | Promise) -> int:
    """A primary key from the URL (`١`, `1e309`, `-1`, `0` → 404 with `message`)."""
    text = str(raw or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 18 or int(text) == 0:
        raise NotFound(message)
    return int(text)


class StrictPkMixin:
    """`get_object()` on ASCII-digit ids only, answering `not_found` for anything else."""

    kwargs: dict[str, Any]
    not_found: str | Promise = _("Not found.")

    def get_object(self):  # type: ignore[no-untyped-def]
        self.kwargs["pk"] = str(path_id(self.kwargs.get("pk"), self.not_found))
        return super().get_object()  # type: ignore[misc]
