"""Validators for codes the users type in, and the parsers of the working calendar's settings."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: the unified social credit code (统一社会信用代码).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, S, V, Z
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a credit code whose first 17 characters are given."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ValidationError unless `value` is a valid 18-character credit code."""
    if len(value) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="credit_code_length",
            params={"n": len(value)},
        )
    if value != value.upper():
        raise ValidationError(_("Write the credit code in capital letters."), code="credit_code_case")
    bad = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("The credit code contains characters that are not allowed: %(chars)s."),
            code="credit_code_chars",
            params={"chars": "".join(bad)},
        )
    expected = credit_code_check_char(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("The check digit of this credit code is wrong (the last character should be %(c)s)."),
            code="credit_code_check",
            params={"c": expected},
        )


LIMIT_RE = re.compile(r"^([1-9][0-9]{0,4})([mhd])$")


def validate_limit(value: str) -> None:
    """A time limit as written in the catalogue: `90m`, `2h` or `5d`."""
    if not LIMIT_RE.match(value or ""):
        raise ValidationError(
            _("Write a time limit as a whole number followed by m, h or d, for example 90m, 2h or 5d."),
            code="limit_format",
        )


# --- the working calendar's settings (WorkCalendar.working_hours / working_weekdays) ---------


def parse_periods(text: str) -> list[tuple[dt.time, dt.time]]:
    """`09:00-12:00,13:30-17:30` → [(09:00, 12:00), (13:30, 17:30)], ordered, not overlapping."""
    periods: list[tuple[dt.time, dt.time]] = []
    for chunk in (text or "").split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        try:
            start_s, end_s = chunk.split("-")
            start = dt.time.fromisoformat(start_s.strip())
            end = dt.time.fromisoformat(end_s.strip())
        except ValueError as exc:
            raise ValueError(f"'{chunk}' is not a period like 09:00-12:00") from exc
        if start >= end:
            raise ValueError(f"'{chunk}' ends before it starts")
        if periods and start < periods[-1][1]:
            raise ValueError(f"'{chunk}' overlaps or precedes the period before it")
        periods.append((start, end))
    if not periods:
        raise ValueError("a working day needs at least one period, e.g. 09:00-12:00")
    return periods


def parse_weekdays(text: str) -> frozenset[int]:
    """`12345` → {1, 2, 3, 4, 5} (ISO weekdays, Monday is 1)."""
    days = set()
    for ch in text or "":
        if ch not in "1234567":
            raise ValueError(f"'{ch}' is not an ISO weekday number (1 = Monday … 7 = Sunday)")
        days.add(int(ch))
    if not days:
        raise ValueError("name at least one working weekday")
    return frozenset(days)


def one_line(text: str) -> str:
    """`text` on one line: every run of whitespace (line breaks, tabs) becomes one space.
    For what ends up in a header or a one-line field: a title, an e-mail's subject."""
    return " ".join(str(text or "").split())
