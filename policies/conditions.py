"""Eligibility conditions of a policy, as a JSON object whose every key must hold:

- `parks`: [park id, …] — the enterprise is in one of them (besides the policy's own park);
- `industry`: ["C39", "I65", …] — its GB/T 4754 industry code starts with one of them
  (a section letter A–T and up to four digits);
- `size`: ["small", "micro", …] — its size class is one of them;
- `qualifications`: ["high-tech", …] — it holds every one of them;
- `years_min`, `years_max`: whole years since registration, both inclusive (a company
  registered on 2020-06-01 has 3 years on 2023-06-01 and still 3 on 2024-05-31).

An unknown key, a value of the wrong kind or an impossible range is a field error on
`conditions`. `eligible_q` turns them into one Q over Enterprise (through its profile)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.errors import Invalid


class SizeClass(models.TextChoices):
    """The size classes of the national rule (《中小企业划型标准规定》), by employees and revenue."""

    LARGE = "large", gettext_lazy("large (大型)")
    MEDIUM = "medium", gettext_lazy("medium (中型)")
    SMALL = "small", gettext_lazy("small (小型)")
    MICRO = "micro", gettext_lazy("micro (微型)")


class Qualification(models.TextChoices):
    """Qualifications (资质) that policies ask for."""

    HIGH_TECH = "high-tech", gettext_lazy("high and new technology enterprise (高新技术企业)")
    SRDI = "srdi", gettext_lazy("specialised and sophisticated SME (专精特新)")
    LITTLE_GIANT = "little-giant", gettext_lazy("little giant (专精特新“小巨人”)")
    TECH_SME = "tech-sme", gettext_lazy("technology-based SME (科技型中小企业)")
    ABOVE_SCALE = "above-scale", gettext_lazy("above designated size (规上企业)")


ATTRIBUTES = ("parks", "industry", "size", "qualifications", "years_min", "years_max")
INDUSTRY_PREFIX = re.compile(r"[A-T][0-9]{0,4}")
MAX_YEARS = 200
MAX_ITEMS = 50


def _fail(message: str) -> Invalid:
    return Invalid(message, detail={"conditions": [message]})


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw[key]
    if not isinstance(value, list) or not value or len(value) > MAX_ITEMS:
        message = _("“%(key)s” must be a list of 1 to %(n)d values.") % {"key": key, "n": MAX_ITEMS}
        raise _fail(message)
    return value


def clean_conditions(raw: Any) -> dict[str, Any]:
    """The conditions in their canonical form (sorted lists, no duplicates), or Invalid."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(_("The conditions must be an object of attribute: value."))
    unknown = sorted(str(key) for key in raw if key not in ATTRIBUTES)
    if unknown:
        raise _fail(
            _("Unknown attribute “%(key)s”: use %(known)s.") % {"key": unknown[0][:40], "known": ", ".join(ATTRIBUTES)}
        )
    clean: dict[str, Any] = {}
    if "parks" in raw:
        parks = _list(raw, "parks")
        if not all(isinstance(p, int) and not isinstance(p, bool) and 0 < p < 2**31 for p in parks):
            raise _fail(_("“parks” must be a list of park ids."))
        clean["parks"] = sorted(set(parks))
    if "industry" in raw:
        codes = _list(raw, "industry")
        if not all(isinstance(c, str) and INDUSTRY_PREFIX.fullmatch(c.strip().upper()) for c in codes):
            raise _fail(_("“industry” must be GB/T 4754 code prefixes: a letter A–T and up to 4 digits, e.g. C39."))
        clean["industry"] = sorted({c.strip().upper() for c in codes})
    for key, choices in (("size", SizeClass.values), ("qualifications", Qualification.values)):
        if key in raw:
            values = _list(raw, key)
            bad = [v for v in values if v not in choices]
            if bad:
                raise _fail(
                    _("Unknown value “%(value)s” of “%(key)s”: use %(known)s.")
                    % {"value": str(bad[0])[:40], "key": key, "known": ", ".join(choices)}
                )
            clean[key] = sorted(set(values))
    for key in ("years_min", "years_max"):
        if key in raw:
            years = raw[key]
            if not isinstance(years, int) or isinstance(years, bool) or not 0 <= years <= MAX_YEARS:
                message = _("“%(key)s” must be a whole number of years from 0 to %(n)d.") % {"key": key, "n": MAX_YEARS}
                raise _fail(message)
            clean[key] = years
    if clean.get("years_min", 0) > clean.get("years_max", MAX_YEARS):
        raise _fail(_("Impossible range: years_min is greater than years_max."))
    return clean


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def eligible_q(conditions: dict[str, Any], *, park_id: int | None, today: date) -> Q:
    """The enterprises that meet every condition (and are in the policy's park, if it has one)
    on `today`, as one filter over Enterprise. A condition on an attribute the enterprise has
    not given (no profile, no code) does not hold."""
    q = Q()
    if park_id is not None:
        q &= Q(park_id=park_id)
    if "parks" in conditions:
        q &= Q(park_id__in=conditions["parks"])
    if "industry" in conditions:
        industry = Q()
        for prefix in conditions["industry"]:
            industry |= Q(profile__industry_code__startswith=prefix)
        q &= industry
    if "size" in conditions:
        q &= Q(profile__size_class__in=conditions["size"])
    for tag in conditions.get("qualifications", []):
        q &= Q(profile__qualifications__contains=f",{tag},")
    if "years_min" in conditions:
        q &= Q(profile__registered_on__lte=years_before(today, conditions["years_min"]))
    if "years_max" in conditions:
        q &= Q(profile__registered_on__gt=years_before(today, conditions["years_max"] + 1))
    return q
