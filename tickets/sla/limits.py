"""Time limits as written in the catalogue: `90m`, `2h`, `5d`.

A limit means nothing until it meets a clock: on the working clock a day is the working time
of a normal day of the calendar (420 minutes for 09:00–12:00 + 13:30–17:30: 3 h + 4 h) and an hour is 60
working minutes; on the natural clock a day is 24 hours."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal, cast

from servicedesk.validators import LIMIT_RE

Unit = Literal["m", "h", "d"]

NATURAL_DAY_MINUTES = 24 * 60
_UNIT_MINUTES: dict[str, int] = {"m": 1, "h": 60}


@dataclass(frozen=True)
class Limit:
    """A whole number of minutes, hours or days. `Limit.parse("90m")`; `str(limit)` gives it back."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 1:
            raise ValueError(f"a limit needs a whole number of at least 1, not {self.amount!r}")
        if self.unit not in ("m", "h", "d"):
            raise ValueError(f"a limit's unit is m, h or d, not {self.unit!r}")

    @classmethod
    def parse(cls, text: str) -> Limit:
        """`"90m"` → Limit(90, "m"). The catalogue's format: 1 to 99999, then m, h or d."""
        match = LIMIT_RE.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(
                f"{text!r} is not a time limit: write a whole number followed by m, h or d, for example 90m, 2h or 5d"
            )
        return cls(int(match.group(1)), cast(Unit, match.group(2)))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def minutes(self, *, day_minutes: int) -> int:
        """The length in minutes, a day counting `day_minutes` (the clock's day)."""
        if self.unit == "d":
            if day_minutes < 1:
                raise ValueError("a day must last at least one minute")
            return self.amount * day_minutes
        return self.amount * _UNIT_MINUTES[self.unit]

    def working_minutes(self, day_minutes: int) -> int:
        """Working minutes on the working clock: 1d = `day_minutes` (a normal day of the
        calendar, `WorkingTime.day_minutes`), 1h = 60."""
        return self.minutes(day_minutes=day_minutes)

    def natural_delta(self) -> dt.timedelta:
        """Elapsed time on the natural clock: 1d = 24 hours."""
        return dt.timedelta(minutes=self.minutes(day_minutes=NATURAL_DAY_MINUTES))

    def scaled(self, fraction: Fraction | Decimal | float | int | str, *, day_minutes: int) -> Limit:
        """This limit times `fraction` (e.g. urgent tickets get a quarter: `scaled("1/4", …)`).

        The unit stays when the result is whole ("8d" × 1/4 = "2d", "4h" × 1/4 = "1h");
        otherwise the result is in minutes, rounded UP to a whole minute ("5d" × 1/4 with a
        420-minute day = "525m", "90m" × 1/4 = "23m"). `day_minutes` is the length of a day
        on the clock the result will run on (`WorkingTime.day_minutes` or `NATURAL_DAY_MINUTES`);
        it is only used when a number of days does not scale to whole days."""
        factor = _as_fraction(fraction)
        if factor <= 0:
            raise ValueError(f"scale a limit by a positive fraction, not {fraction!r}")
        scaled_amount = self.amount * factor
        if scaled_amount.denominator == 1:
            return Limit(int(scaled_amount), self.unit)
        total = scaled_amount * self.minutes(day_minutes=day_minutes) / self.amount
        return Limit(max(1, math.ceil(total)), "m")


def _as_fraction(value: Fraction | Decimal | float | int | str) -> Fraction:
    """An exact fraction; floats go through their shortest repr, so 0.1 is 1/10, not 0.1000…0555."""
    if isinstance(value, bool):
        raise ValueError(f"not a fraction: {value!r}")
    try:
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"not a finite fraction: {value!r}")
            return Fraction(repr(value))
        return Fraction(value)
    except (ValueError, ZeroDivisionError, ArithmeticError) as exc:
        raise ValueError(f"not a fraction: {value!r}") from exc
