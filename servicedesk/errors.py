"""Domain errors, raised by services and mapped to HTTP once (servicedesk.api.errors).

Their messages are for people: translated where they are raised (gettext), so an API caller
and a web page read them in the request's language, like DRF's own messages."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, detail: Any = None) -> None:
        message = str(message)  # a lazy message is read now, in the active language
        super().__init__(message)
        self.message = message
        self.detail = detail


class Invalid(DomainError):
    """Bad input that passed the serializer (e.g. a rule across fields): 400."""


class Forbidden(DomainError):
    """Inside the caller's scope but not their role's to do: 403."""

    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    """Missing or outside the caller's scope (never say which): 404."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """Not allowed in the current state: 409, and nothing changed."""

    status_code = 409
    code = "conflict"


class TooLarge(DomainError):
    """An upload over the size limit: 413."""

    status_code = 413
    code = "too_large"
