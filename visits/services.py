"""Visits (走访) and the weekly enterprise day (惠企日): the visit log, problems found on a
visit turned into tickets in the same step, and the coverage figures per officer.

The visiting day is `settings.VISIT_WEEKDAY` (ISO weekday, 4 = Thursday by default)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk import clock
from servicedesk.errors import Forbidden, Invalid, NotFound
from servicedesk.files import atomic_deleting_files, file_save
from servicedesk.models import Enterprise, ServiceItem, User
from servicedesk.selectors import enterprise_list_for, is_admin, user_list_for

from .models import Visit, VisitMethod, VisitPhoto, VisitProblem

DEFAULT_VISIT_WEEKDAY = 4  # Thursday
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead is not a visit in the future


def visit_weekday() -> int:
    return int(getattr(settings, "VISIT_WEEKDAY", DEFAULT_VISIT_WEEKDAY))


# --- reads --------------------------------------------------------------------------------


def visit_list_for(user: User) -> QuerySet[Visit]:
    """Officers: the visits they made; managers: the visits to enterprises in their scope;
    admins and zone managers: all. Enterprise users: none. The visit log is the officers' and
    managers' (DESIGN.md): its summaries are written for colleagues, not for the company;
    what a visit found reaches the company as the tickets it filed."""
    qs = Visit.objects.select_related("enterprise", "officer").prefetch_related("problems__ticket", "photos")
    if is_admin(user):
        return qs
    if user.role == User.Role.OFFICER:
        return qs.filter(officer=user)
    if user.role == User.Role.MANAGER:
        return qs.filter(enterprise__in=enterprise_list_for(user).values("pk"))
    return qs.none()


# --- the change ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemInput:
    description: str
    to_ticket: bool = False
    service_item: ServiceItem | None = None
    kind: str = "help"
    title: str = ""
    priority: str = "normal"


@transaction.atomic
def visit_create(
    *,
    actor: User,
    enterprise: Enterprise,
    visited_at: datetime,
    summary: str,
    method: str = VisitMethod.ON_SITE,
    people_met: str = "",
    problems: list[ProblemInput] | None = None,
) -> Visit:
    """Log a visit. An officer logs visits only to the enterprises they serve (chief or
    deputy), a manager to those in scope (404 otherwise). Each problem with `to_ticket`
    becomes a ticket filed by the visitor on behalf of the enterprise (channel "visit"; an
    officer carries it as owner and assignee), in this same transaction."""
    from tickets.services import ticket_create

    if actor.role not in (User.Role.OFFICER, User.Role.MANAGER) and not is_admin(actor):
        raise Forbidden(_("Only officers and managers log visits."))
    if not enterprise_list_for(actor).filter(pk=enterprise.pk).exists():
        raise NotFound(_("No such enterprise."))
    if method not in VisitMethod.values:
        raise Invalid(
            _("Unknown method."),
            # Translators: the values the API accepts, e.g. "on_site, phone, online"
            detail={"method": [_("One of %(values)s.") % {"values": ", ".join(VisitMethod.values)}]},
        )
    now = clock.now()
    if visited_at > now + CLOCK_SKEW:
        raise Invalid(_("A visit is logged after it happened."), detail={"visited_at": [_("In the future.")]})
    summary = (summary or "").strip()
    if not summary:
        raise Invalid(
            # Translators: %(field)s is the name of an API field, e.g. summary or reason
            _("%(field)s must not be empty.") % {"field": "summary"},
            detail={"summary": [_("This field may not be blank.")]},
        )
    visit = Visit.objects.create(
        enterprise=enterprise,
        officer=actor,
        visited_at=visited_at,
        method=method,
        people_met=(people_met or "").strip()[:200],
        summary=summary[:20000],
        created_at=now,
    )
    for index, problem in enumerate(problems or []):
        description = (problem.description or "").strip()
        if not description:
            raise Invalid(_("A problem needs a description."), detail={"problems": {index: [_("Empty description.")]}})
        ticket = None
        if problem.to_ticket:
            if problem.service_item is None:
                raise Invalid(
                    _("A problem that becomes a ticket needs a service item."),
                    detail={"problems": {index: {"service_item": [_("This field is required.")]}}},
                )
            ticket = ticket_create(
                actor=actor,
                enterprise=enterprise,
                channel="visit",
                title=(problem.title or "").strip() or f"走访发现：{description[:60]}",
                description=description,
                kind=problem.kind,
                service_item=problem.service_item,
                priority=problem.priority,
            )
        VisitProblem.objects.create(visit=visit, description=description[:20000], ticket=ticket)
    return visit


@atomic_deleting_files()
def visit_photo_add(*, visit_id: int, actor: User, upload: UploadedFile[Any]) -> VisitPhoto:
    """A photo of a visit, by the officer who made it or a manager in scope: the upload
    checks of ticket attachments (size, type by the bytes), and images only."""
    from tickets.uploads import check_upload

    visit = visit_list_for(actor).select_for_update(of=("self",)).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(_("No such visit."))
    if visit.officer_id != actor.pk and actor.role != User.Role.MANAGER and not is_admin(actor):
        raise Forbidden(_("Only the officer who made the visit or a manager adds its photos."))
    content_type = check_upload(upload)
    if not content_type.startswith("image/"):
        raise Invalid(_("A visit photo is an image (JPEG, PNG, GIF, WebP)."), detail={"file": [_("Not an image.")]})
    photo = VisitPhoto(
        visit=visit,
        original_name=(upload.name or "photo")[-200:],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
        created_at=clock.now(),
    )
    file_save(photo.file, upload.name or "photo", upload)
    photo.save()
    return photo


# --- 惠企日 coverage ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive (local dates, Asia/Shanghai)
    end: date  # last day, inclusive

    @property
    def month_start(self) -> date:
        return self.end.replace(day=1)


def week_period(week: str) -> Period:
    """`2026-W48` → Monday to Sunday of that ISO week."""
    try:
        year_text, week_text = week.upper().split("-W")
        monday = date.fromisocalendar(int(year_text), int(week_text), 1)
        if not (clock.in_range(monday) and clock.in_range(monday + timedelta(days=6))):
            raise ValueError(week)
    except (ValueError, TypeError):
        raise Invalid(
            # Translators: week is the name of the API parameter
            _("week is written 2026-W48."),
            detail={"week": [_("Use the ISO week, e.g. 2026-W48.")]},
        ) from None
    return Period(start=monday, end=monday + timedelta(days=6))


def _local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


@dataclass(frozen=True)
class OfficerCoverage:
    officer: User
    enterprises_served: int
    visited_in_period: int
    visited_in_month: int
    visits_in_period: int
    visits_on_visit_day: int

    @property
    def coverage_rate(self) -> float | None:
        """Enterprises served that were visited in the period / enterprises served."""
        return round(self.visited_in_period / self.enterprises_served, 4) if self.enterprises_served else None

    @property
    def month_coverage_rate(self) -> float | None:
        return round(self.visited_in_month / self.enterprises_served, 4) if self.enterprises_served else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "officer": self.officer.pk,
            "officer_name": str(self.officer),
            "department": self.officer.department_id,
            "enterprises_served": self.enterprises_served,
            "visited_in_period": self.visited_in_period,
            "visited_in_month": self.visited_in_month,
            "visits_in_period": self.visits_in_period,
            "visits_on_visit_day": self.visits_on_visit_day,
            "coverage_rate": self.coverage_rate,
            "month_coverage_rate": self.month_coverage_rate,
        }


def officers_for_coverage(user: User) -> QuerySet[User]:
    """Officers whose coverage `user` may read: managers and admins their scope, an officer
    themself; enterprise users nobody (403)."""
    if user.role == User.Role.ENTERPRISE and not is_admin(user):
        raise Forbidden(_("Visit coverage is for officers and managers."))
    if user.role == User.Role.OFFICER and not is_admin(user):
        return User.objects.filter(pk=user.pk)
    return user_list_for(user).filter(role=User.Role.OFFICER, is_active=True)


def visit_coverage(*, officers: QuerySet[User], period: Period) -> list[OfficerCoverage]:
    """Per officer: the enterprises they serve (chief or deputy), how many of them they
    visited in the period and in the month of the period's last day up to that day (month to
    date), their visits in the period, and those made on the visiting day (惠企日). Three
    queries, whatever the number of officers."""
    people = list(officers.select_related("department").order_by("id"))
    ids = [person.pk for person in people]
    served: dict[int, set[int]] = defaultdict(set)
    for pk, chief, deputy in Enterprise.objects.filter(
        Q(chief_officer_id__in=ids) | Q(deputy_officer_id__in=ids)
    ).values_list("pk", "chief_officer_id", "deputy_officer_id"):
        for officer_id in (chief, deputy):
            if officer_id in ids:
                served[officer_id].add(pk)
    month_from = min(period.month_start, period.start)
    rows = Visit.objects.filter(
        officer_id__in=ids,
        visited_at__gte=_local_start(month_from),
        visited_at__lt=_local_start(period.end + timedelta(days=1)),
    ).values_list("officer_id", "enterprise_id", "visited_at")
    in_period: dict[int, set[int]] = defaultdict(set)
    in_month: dict[int, set[int]] = defaultdict(set)
    visits: dict[int, int] = defaultdict(int)
    on_day: dict[int, int] = defaultdict(int)
    weekday = visit_weekday()
    for officer_id, enterprise_id, visited_at in rows:
        day = timezone.localtime(visited_at).date()
        mine = enterprise_id in served[officer_id]
        if day >= period.month_start and mine:
            in_month[officer_id].add(enterprise_id)
        if day >= period.start:
            visits[officer_id] += 1
            on_day[officer_id] += day.isoweekday() == weekday
            if mine:
                in_period[officer_id].add(enterprise_id)
    return [
        OfficerCoverage(
            officer=person,
            enterprises_served=len(served[person.pk]),
            visited_in_period=len(in_period[person.pk]),
            visited_in_month=len(in_month[person.pk]),
            visits_in_period=visits[person.pk],
            visits_on_visit_day=on_day[person.pk],
        )
        for person in people
    ]
