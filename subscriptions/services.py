"""Subscribing to the sheets, and sending what is due: once per (sheet, period, subscription).

Sending a delivery locks its row (`SELECT … FOR UPDATE SKIP LOCKED`), sends, and marks it sent
in the same transaction: a second beat or worker passes a row being sent, and a sent row is
never sent again. A robot's message goes into the outbox in that transaction too (so it is
queued exactly once). A mail is handed to the mail server inside it: if the process dies after
the server took the mail and before the commit, that one mail goes again at the next run (the
only way a sheet is sent twice)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.channels.email import SUBJECT_LIMIT
from notifications.models import GroupRobot
from notifications.services import Audience, Message, Robots, notify
from reports.audit import require_manager, scope_name
from reports.downloads import PERIOD_KIND, Sheet, download_for, sheet_title
from reports.exports import XLSX, xlsx_bytes
from reports.periods import Period, period_name
from servicedesk import clock
from servicedesk.errors import Invalid, NotFound
from servicedesk.models import User
from servicedesk.validators import one_line

from .models import Channel, SheetDelivery, SheetSubscription
from .schedule import due_on
from .texts import SHEET_READY

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
PAGE_NAMES = {"dispatch": "reports-dispatch", "ranking": "reports-ranking", "bulletin": "reports-bulletin"}


# --- subscribing --------------------------------------------------------------------------


def _robots_for(user: User) -> Robots | None:
    """The chat group a manager's sheets go to: their park's robots, else their department's."""
    if user.park_id is not None:
        return Robots(park_id=user.park_id)
    if user.department_id is not None:
        return Robots(department_id=user.department_id)
    return None


def _has_robot(user: User) -> bool:
    target = _robots_for(user)
    if target is None:
        return False
    robots = GroupRobot.objects.filter(active=True)
    if target.park_id is not None:
        return robots.filter(park_id=target.park_id).exists()
    return robots.filter(department_id=target.department_id or 0).exists()


def subscriptions_of(user: User) -> QuerySet[SheetSubscription]:
    return SheetSubscription.objects.filter(user=user, active=True).order_by("sheet", "channel")


@transaction.atomic
def subscribe(*, user: User, sheet: str, channel: str) -> SheetSubscription:
    """A manager subscribes to a sheet of their own scope (again: the same row, active)."""
    require_manager(user)
    if sheet not in PERIOD_KIND:
        raise Invalid(_("The sheet is dispatch, ranking or bulletin."), detail={"sheet": [_("Unknown sheet.")]})
    if channel not in Channel.values:
        raise Invalid(_("The channel is email or robot."), detail={"channel": [_("Unknown channel.")]})
    if channel == Channel.EMAIL and not user.email:
        raise Invalid(
            _("Your account has no e-mail address: add one on your profile first."),
            detail={"channel": [_("No e-mail address.")]},
        )
    if channel == Channel.ROBOT and not _has_robot(user):
        raise Invalid(
            _("Your park or department has no group robot: ask the desk's administrator to add one."),
            detail={"channel": [_("No group robot.")]},
        )
    subscription, created = SheetSubscription.objects.get_or_create(
        user=user, sheet=sheet, channel=channel, defaults={"created_at": clock.now()}
    )
    if not created and not subscription.active:
        subscription.active = True
        subscription.save(update_fields=["active"])
    return subscription


@transaction.atomic
def unsubscribe(*, user: User, subscription_id: int) -> None:
    """Stops one's own subscription (another's: 404, as one that does not exist)."""
    updated = SheetSubscription.objects.filter(pk=subscription_id, user=user, active=True).update(active=False)
    if not updated:
        raise NotFound(_("No such subscription."))


# --- sending ------------------------------------------------------------------------------


@dataclass
class Run:
    due: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def _link(sheet: Sheet, period: Period) -> str:
    try:
        path = reverse(PAGE_NAMES[sheet])
    except NoReverseMatch:
        path = "/"
    return f"{path}?{PERIOD_KIND[sheet]}={period_name(period)}"


def _send_mail(user: User, sheet: Sheet, period: Period) -> None:
    download = download_for(sheet, user=user, period=period)
    title = sheet_title(sheet)
    link = settings.SERVICEDESK_BASE_URL.rstrip("/") + _link(sheet, period)
    subject = f"{title} · {scope_name(user)} · {period_name(period)}"
    body = "\n\n".join(
        [
            download.summary,
            _("The whole sheet is attached; the page with the same figures: %(link)s") % {"link": link},
            _("You receive this because you subscribed to it on your profile."),
        ]
    )
    message = EmailMessage(
        subject=one_line(subject)[:SUBJECT_LIMIT], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
    message.attach(f"{download.stem}.xlsx", xlsx_bytes(download.tables), XLSX)
    message.send(fail_silently=False)


def _send_robot(user: User, sheet: Sheet, period: Period, delivery: SheetDelivery) -> None:
    target = _robots_for(user)
    if target is None:
        raise RuntimeError("no park or department for a robot")
    download = download_for(sheet, user=user, period=period)
    payload = {
        "sheet": sheet_title(sheet),
        "period": period_name(period),
        "scope": scope_name(user),
        "summary": download.summary,
    }
    robots = Robots(park_id=target.park_id, department_id=target.department_id, link=_link(sheet, period))
    notify(
        [
            Message(
                kind=SHEET_READY,
                audience=Audience(frozenset(), None, frozenset(), None),
                payload=payload,
                key=f"sheet:{delivery.pk}",
                robots=robots,
            )
        ]
    )


def _deliver(delivery_id: int) -> str:
    with transaction.atomic():
        delivery = (
            SheetDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription__user")
            .filter(pk=delivery_id, status=SheetDelivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return "skipped"  # sent already, or being sent by another process
        subscription, user = delivery.subscription, delivery.subscription.user
        sheet: Sheet = subscription.sheet  # type: ignore[assignment]
        period = Period(delivery.period_start, delivery.period_end, PERIOD_KIND[sheet])
        delivery.attempts += 1
        try:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                if subscription.channel == Channel.EMAIL:
                    _send_mail(user, sheet, period)
                else:
                    _send_robot(user, sheet, period, delivery)
        except Exception as exc:  # a mail server's or a sheet's failure: kept on the row, retried
            logger.warning("sheet %s for subscription %s not sent: %s", sheet, subscription.pk, exc)
            delivery.error = f"{type(exc).__name__}: {exc}"[:500]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = SheetDelivery.Status.FAILED
            delivery.save(update_fields=["attempts", "error", "status"])
            return "failed"
        delivery.status, delivery.sent_at, delivery.error = SheetDelivery.Status.SENT, clock.now(), ""
        delivery.save(update_fields=["attempts", "error", "status", "sent_at"])
        return "sent"


def _claim(subscription: SheetSubscription, period: Period) -> None:
    """The delivery's row, once: a second process inserting it meets the unique constraint."""
    try:
        with transaction.atomic():
            SheetDelivery.objects.create(
                subscription=subscription, period_start=period.start, period_end=period.end, created_at=clock.now()
            )
    except IntegrityError:
        pass


def send_due(*, today: dt.date | None = None) -> Run:
    """Sends every sheet due today to its subscribers (and retries those that failed)."""
    today = today or clock.today_local()
    run = Run()
    for due in due_on(today):
        readers = Q(user__role__in=(User.Role.MANAGER, User.Role.ADMIN)) | Q(user__is_superuser=True)
        subscriptions = SheetSubscription.objects.filter(readers, sheet=due.sheet, active=True, user__is_active=True)
        subscriptions = subscriptions.order_by("pk")
        for subscription in subscriptions:
            _claim(subscription, due.period)
        pending = SheetDelivery.objects.filter(
            subscription__sheet=due.sheet,
            subscription__active=True,
            period_start=due.period.start,
            status=SheetDelivery.Status.PENDING,
        ).order_by("pk")
        for delivery_id in pending.values_list("pk", flat=True):
            run.due += 1
            outcome = _deliver(delivery_id)
            setattr(run, outcome, getattr(run, outcome) + 1)
    return run
