"""The policy library: who sees and writes which policies, the enterprises' attributes (with
their audit), matching a policy to the enterprises that qualify — one SQL query, recorded
once per pair and told once through the outbox — applying (a ticket on the policy's service
item) and the reminders before a policy ends.

States: draft → published → archived. Matching runs when a policy is published and again
from the daily sweep (a policy that has just become effective, enterprises whose attributes
changed); it is idempotent: the pairs already recorded are left out in SQL, the policy's row
lock serialises two runs, and the outbox's dedup key would refuse a second message anyway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.fanout import notify_enterprises
from notifications.services import Audience, Message, Topic, notify
from servicedesk import clock
from servicedesk.errors import Conflict, Forbidden, Invalid, NotFound
from servicedesk.models import Enterprise, Park, ServiceItem, User
from servicedesk.selectors import enterprise_list_for, is_admin, is_zone_manager
from tickets import services as ticket_services
from tickets.models import Kind, Ticket

from . import texts
from .conditions import INDUSTRY_PREFIX, Qualification, SizeClass, clean_conditions, eligible_q
from .models import (
    EnterpriseProfile,
    EnterpriseProfileChange,
    Outcome,
    Policy,
    PolicyEvent,
    PolicyEventKind,
    PolicyMatch,
    PolicyStatus,
)

REMIND_DAYS = 14  # a policy ending within this many days reminds the officers
NOTIFY_CHUNK = 500  # messages per outbox call while matching

# --- reads ----------------------------------------------------------------------------------


def is_writer(user: User) -> bool:
    """The parks' and the zone's managers and administrators write policies (not department heads)."""
    if not user.is_authenticated:
        return False
    return is_admin(user) or (user.role == User.Role.MANAGER and not user.department_id)


def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and (is_admin(user) or user.role in (User.Role.OFFICER, User.Role.MANAGER)))


def _base() -> QuerySet[Policy]:
    return Policy.objects.select_related("park", "service_item")


def policy_list_for(user: User) -> QuerySet[Policy]:
    """An enterprise: the published policies of its park and the zone-wide ones; officers:
    every published one; managers: those and the drafts and archived ones of their park (a
    park manager) or all (the zone's managers, administrators)."""
    qs = _base()
    if not user.is_authenticated:
        return qs.none()
    if is_admin(user) or is_zone_manager(user):
        return qs
    published = Q(status=PolicyStatus.PUBLISHED)
    if user.role == User.Role.ENTERPRISE:
        if user.enterprise is None:
            return qs.none()
        return qs.filter(published, Q(park__isnull=True) | Q(park_id=user.enterprise.park_id))
    if user.role == User.Role.MANAGER and user.park_id:
        return qs.filter(published | Q(park_id=user.park_id))
    return qs.filter(published)


def policy_get_for(user: User, policy_id: int) -> Policy:
    policy = policy_list_for(user).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(_("No such policy."))
    return policy


def may_edit(user: User, policy: Policy) -> bool:
    if is_admin(user) or is_zone_manager(user):
        return True
    return bool(user.role == User.Role.MANAGER and user.park_id and policy.park_id == user.park_id)


def is_effective(policy: Policy, today: date) -> bool:
    return policy.effective_from <= today and (policy.effective_to is None or today <= policy.effective_to)


def eligible_enterprises(policy: Policy, today: date | None = None) -> QuerySet[Enterprise]:
    """The enterprises that qualify for the policy today: one query, nobody when it is not
    published or not in effect."""
    today = today or clock.today_local()
    if policy.status != PolicyStatus.PUBLISHED or not is_effective(policy, today):
        return Enterprise.objects.none()
    return Enterprise.objects.filter(eligible_q(policy.conditions, park_id=policy.park_id, today=today))


def match_list_for(user: User, policy: Policy) -> QuerySet[PolicyMatch]:
    """The policy's matches among the enterprises the caller serves or oversees."""
    if not is_staff(user):
        return PolicyMatch.objects.none()
    return (
        PolicyMatch.objects.filter(policy=policy, enterprise__in=enterprise_list_for(user).values("pk"))
        .select_related("enterprise", "enterprise__chief_officer", "ticket")
        .order_by("enterprise__name", "enterprise_id")
    )


@dataclass(frozen=True)
class Counts:
    matched: int = 0
    notified: int = 0
    applied: int = 0
    granted: int = 0
    waiting: int = 0  # qualified and not applied


def counts_for(user: User, policy_ids: list[int]) -> dict[int, Counts]:
    """Per policy, over the enterprises in the caller's scope: matched, notified, applied,
    granted and qualified-but-not-applied. One query for any number of policies."""
    if not policy_ids or not is_staff(user):
        return {}
    rows = (
        PolicyMatch.objects.filter(policy_id__in=policy_ids, enterprise__in=enterprise_list_for(user).values("pk"))
        .values("policy_id")
        .annotate(
            matched=Count("pk", filter=Q(qualified=True)),
            notified=Count("pk", filter=Q(notified_at__isnull=False)),
            applied=Count("pk", filter=Q(ticket__isnull=False)),
            granted=Count("pk", filter=Q(outcome=Outcome.GRANTED)),
            waiting=Count("pk", filter=Q(qualified=True, ticket__isnull=True)),
        )
    )
    return {
        row["policy_id"]: Counts(row["matched"], row["notified"], row["applied"], row["granted"], row["waiting"])
        for row in rows
    }


def enterprise_policies_for(user: User, enterprise_id: int) -> QuerySet[PolicyMatch]:
    """The policies an enterprise in the caller's scope qualifies for or applied to."""
    enterprise = enterprise_list_for(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("No such enterprise."))
    return (
        PolicyMatch.objects.filter(enterprise=enterprise, policy__in=policy_list_for(user).values("pk"))
        .select_related("policy", "policy__service_item", "ticket")
        .order_by("-policy__effective_from", "-policy_id")
    )


# --- the policy's life ----------------------------------------------------------------------


def _text(value: Any, field: str, *, limit: int, required: bool = True) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise Invalid(_("This field is required."), detail={field: [_("This field is required.")]})
    if len(text) > limit:
        message = _("At most %(n)d characters.") % {"n": limit}
        raise Invalid(message, detail={field: [message]})
    return text


def _window(effective_from: date, effective_to: date | None) -> None:
    if effective_to is not None and effective_to < effective_from:
        message = _("The policy cannot end before it starts.")
        raise Invalid(message, detail={"effective_to": [message]})


def _conditions(raw: Any) -> dict[str, Any]:
    conditions = clean_conditions(raw)
    parks = conditions.get("parks", [])
    if parks and Park.objects.filter(pk__in=parks).count() != len(parks):
        message = _("“parks” names a park that does not exist.")
        raise Invalid(message, detail={"conditions": [message]})
    return conditions


def _park_for(actor: User, park: Park | None) -> Park | None:
    if is_admin(actor) or is_zone_manager(actor):
        return park
    if park is not None and park.pk != actor.park_id:
        message = _("Choose your own park.")
        raise Invalid(message, detail={"park": [message]})
    return actor.park


@transaction.atomic
def policy_create(
    *,
    actor: User,
    title: str,
    issuer: str,
    summary: str,
    benefit: str,
    service_item: ServiceItem,
    effective_from: date,
    effective_to: date | None = None,
    body: str = "",
    park: Park | None = None,
    conditions: Any = None,
) -> Policy:
    """A draft policy. A park manager's belongs to their park; the zone's may be zone-wide."""
    if not is_writer(actor):
        raise Forbidden(_("Only the park's and the zone's managers write policies."))
    _window(effective_from, effective_to)
    now = clock.now()
    return Policy.objects.create(
        title=_text(title, "title", limit=200),
        issuer=_text(issuer, "issuer", limit=100),
        summary=_text(summary, "summary", limit=2000),
        body=_text(body, "body", limit=50000, required=False),
        benefit=_text(benefit, "benefit", limit=200),
        service_item=service_item,
        park=_park_for(actor, park),
        effective_from=effective_from,
        effective_to=effective_to,
        conditions=_conditions(conditions),
        created_by=actor,
        created_at=now,
        updated_at=now,
    )


def _lock_for_edit(actor: User, policy_id: int) -> Policy:
    if not policy_list_for(actor).filter(pk=policy_id).exists():
        raise NotFound(_("No such policy."))
    policy = Policy.objects.select_for_update().get(pk=policy_id)
    if not may_edit(actor, policy):
        raise Forbidden(_("You may not change this policy."))
    return policy


EDITABLE = ("title", "issuer", "summary", "body", "benefit", "service_item", "effective_from", "effective_to")
MATCHING = ("effective_from", "effective_to", "conditions")  # a change to these re-matches a published policy


def _shown(value: Any) -> Any:
    """A value as the audit keeps it (JSON)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ServiceItem):
        return value.code
    return value


def _event(policy: Policy, kind: str, actor: User | None, *, enterprise_id: int | None = None, **detail: Any) -> None:
    PolicyEvent.objects.create(
        policy=policy, enterprise_id=enterprise_id, kind=kind, actor=actor, detail=detail, created_at=clock.now()
    )


@transaction.atomic
def policy_update(*, actor: User, policy_id: int, **changes: Any) -> Policy:
    """Change a draft or a published policy (409 for an archived one); each changed field is
    recorded with its old and new value. When a published policy's eligibility or validity
    changes it is matched again at once: enterprises that qualify now and had no row are
    recorded and told (once, as at publishing); those matched before keep their row and
    their notification — nobody is un-told, and an enterprise that no longer qualifies may
    still apply while the policy is open."""
    policy = _lock_for_edit(actor, policy_id)
    if policy.status == PolicyStatus.ARCHIVED:
        raise Conflict(_("An archived policy cannot be changed."))
    limits = {"title": 200, "issuer": 100, "summary": 2000, "body": 50000, "benefit": 200}
    before = {field: getattr(policy, field) for field in (*EDITABLE, "conditions")}
    for field, value in changes.items():
        if field in limits:
            setattr(policy, field, _text(value, field, limit=limits[field], required=field != "body"))
        elif field in EDITABLE:
            setattr(policy, field, value)
        elif field == "conditions":
            policy.conditions = _conditions(value)
    _window(policy.effective_from, policy.effective_to)
    changed = {
        field: [_shown(old), _shown(getattr(policy, field))]
        for field, old in before.items()
        if getattr(policy, field) != old
    }
    if not changed:
        return policy
    policy.updated_at = clock.now()
    policy.save()
    _event(policy, PolicyEventKind.EDITED, actor, changes=changed)
    if policy.status == PolicyStatus.PUBLISHED and set(changed) & set(MATCHING):
        added = policy_match(policy_id=policy.pk)
        _event(policy, PolicyEventKind.REMATCHED, actor, added=added)
    return policy


@transaction.atomic
def policy_publish(*, actor: User, policy_id: int) -> Policy:
    """Publish a draft (409 otherwise) and match it at once: the qualifying enterprises and
    their chief officers are told, through the outbox."""
    policy = _lock_for_edit(actor, policy_id)
    if policy.status != PolicyStatus.DRAFT:
        raise Conflict(_("Only a draft policy can be published."))
    policy.status = PolicyStatus.PUBLISHED
    policy.published_at = policy.updated_at = clock.now()
    policy.save(update_fields=["status", "published_at", "updated_at"])
    matched = policy_match(policy_id=policy.pk)
    _event(policy, PolicyEventKind.PUBLISHED, actor, matched=matched)
    return policy


@transaction.atomic
def policy_archive(*, actor: User, policy_id: int) -> Policy:
    policy = _lock_for_edit(actor, policy_id)
    if policy.status == PolicyStatus.ARCHIVED:
        raise Conflict(_("The policy is archived already."))
    policy.status = PolicyStatus.ARCHIVED
    policy.updated_at = clock.now()
    policy.save(update_fields=["status", "updated_at"])
    _event(policy, PolicyEventKind.ARCHIVED, actor)
    return policy


def policy_events_for(user: User, policy_id: int) -> QuerySet[PolicyEvent]:
    """The policy's audit trail, newest first, for staff who read the policy: an officer
    sees the outcomes of their own enterprises and the policy's own events."""
    policy = policy_get_for(user, policy_id)
    if not is_staff(user):
        raise Forbidden(_("Only officers and managers read a policy's history."))
    own = Q(enterprise__isnull=True) | Q(enterprise__in=enterprise_list_for(user).values("pk"))
    return (
        PolicyEvent.objects.filter(own, policy=policy)
        .select_related("actor", "enterprise")
        .order_by("-created_at", "-id")
    )


def _payload(policy: Policy, enterprise_name: str) -> dict[str, object]:
    return {
        "title": policy.title,
        "issuer": policy.issuer,
        "benefit": policy.benefit,
        "enterprise": enterprise_name,
        "ends": policy.effective_to.isoformat() if policy.effective_to else "",
    }


def _message(kind: str, policy: Policy, enterprise_id: int, name: str, chief_id: int, *, key: str) -> Message:
    return Message(
        kind=kind,
        audience=Audience(
            user_ids=frozenset({chief_id}),
            enterprise_id=enterprise_id if kind == texts.MATCHED else None,
            head_of_departments=frozenset(),
            managers_of_park=None,
        ),
        payload=_payload(policy, name),
        key=key,
        topic=Topic("policy", policy.pk, policy.title[:60]),
    )


def _record_matches(policy: Policy, now: datetime) -> list[int]:
    """One `INSERT … SELECT`: a row for every enterprise that qualifies and has none yet
    (`ON CONFLICT DO NOTHING` on the pair), marked matched and notified now. The ids of the
    enterprises recorded by this statement, and by no earlier one."""
    try:
        select, params = eligible_enterprises(policy).order_by().values(eid=F("pk")).query.sql_with_params()
    except EmptyResultSet:
        return []
    table = connection.ops.quote_name(PolicyMatch._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"INSERT INTO {table} (policy_id, enterprise_id, qualified, matched_at, notified_at, outcome, outcome_remark) "  # noqa: S608
        f"SELECT %s, q.eid, %s, %s, %s, '', '' FROM ({select}) AS q WHERE 1 = 1 "
        "ON CONFLICT (policy_id, enterprise_id) DO NOTHING RETURNING enterprise_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [policy.pk, True, stamp, stamp, *params])
        return sorted(row[0] for row in cursor.fetchall())


@transaction.atomic
def policy_match(*, policy_id: int) -> int:
    """Record the enterprises that qualify for a published, effective policy and have no row
    yet, and tell each of them and its chief officer once. Set-based whatever the number of
    enterprises: the rows are one `INSERT … SELECT` over the qualifying set
    (policies.conditions.eligible_q), the outbox's rows one more (notifications.fanout).
    How many were matched now (0 on a second run)."""
    policy = Policy.objects.select_for_update().filter(pk=policy_id).first()
    if policy is None:
        return 0
    new = _record_matches(policy, clock.now())
    if new:
        notify_enterprises(
            kind=texts.MATCHED,
            enterprise_ids=new,
            payload=_payload(policy, ""),
            name_key="enterprise",
            key_prefix=f"policy:{policy.pk}:matched",
            topic=Topic("policy", policy.pk, policy.title[:60]),
        )
    return len(new)


def policies_match_effective() -> int:
    """Match every published policy in effect today (the daily sweep): new enterprises,
    changed attributes, policies that have just become effective."""
    today = clock.today_local()
    ids = Policy.objects.filter(status=PolicyStatus.PUBLISHED, effective_from__lte=today).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=today)
    )
    return sum(policy_match(policy_id=pk) for pk in ids.values_list("pk", flat=True))


@transaction.atomic
def policies_remind() -> int:
    """Remind the chief officers of the qualifying enterprises that have not applied, once,
    when a published policy ends within REMIND_DAYS. How many were reminded."""
    today = clock.today_local()
    due = list(
        PolicyMatch.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            qualified=True,
            ticket__isnull=True,
            reminded_at__isnull=True,
            policy__status=PolicyStatus.PUBLISHED,
            policy__effective_to__gte=today,
            policy__effective_to__lte=today + timedelta(days=REMIND_DAYS),
        )
        .select_related("policy", "enterprise")
        .order_by("pk")
    )
    if not due:
        return 0
    messages = [
        _message(
            texts.REMINDER,
            row.policy,
            row.enterprise_id,
            row.enterprise.name,
            row.enterprise.chief_officer_id,
            key=f"policy:{row.policy_id}:reminder:{row.enterprise_id}",
        )
        for row in due
    ]
    for start in range(0, len(messages), NOTIFY_CHUNK):
        notify(messages[start : start + NOTIFY_CHUNK])
    PolicyMatch.objects.filter(pk__in=[row.pk for row in due]).update(reminded_at=clock.now())
    return len(due)


# --- applying -------------------------------------------------------------------------------


def _applicant(actor: User, enterprise: Enterprise | None) -> Enterprise:
    if actor.role == User.Role.ENTERPRISE and not is_admin(actor):
        if actor.enterprise is None or (enterprise is not None and enterprise.pk != actor.enterprise_id):
            raise NotFound(_("No such enterprise."))
        return actor.enterprise
    if enterprise is None:
        raise Invalid(_("Name the enterprise you apply for."), detail={"enterprise": [_("This field is required.")]})
    if not enterprise_list_for(actor).filter(pk=enterprise.pk).exists():
        raise NotFound(_("No such enterprise."))
    return enterprise


@transaction.atomic
def policy_apply(*, actor: User, policy_id: int, enterprise: Enterprise | None = None, note: str = "") -> Ticket:
    """Apply for a policy: a ticket on its service item, filed by the enterprise (or by an
    officer on its behalf), its text prefilled from the policy, and the match row linked to
    it. 409 when the policy is not in effect or the enterprise has applied already."""
    if not (actor.role == User.Role.ENTERPRISE or ticket_services.files_on_behalf(actor)):
        raise Forbidden(_("You may not apply for a policy."))
    applicant = _applicant(actor, enterprise)
    policy = policy_list_for(actor).filter(pk=policy_id).first()
    if policy is None or (policy.park_id is not None and policy.park_id != applicant.park_id):
        raise NotFound(_("No such policy."))
    if policy.status != PolicyStatus.PUBLISHED or not is_effective(policy, clock.today_local()):
        raise Conflict(_("This policy is not open for applications now."))
    match, _created = PolicyMatch.objects.select_for_update().get_or_create(
        policy=policy, enterprise=applicant, defaults={"qualified": False}
    )
    if match.ticket_id is not None:
        raise Conflict(_("This enterprise has applied for this policy already."))
    lines = [
        _("Application for the support policy “%(title)s”.") % {"title": policy.title},
        _("Issued by: %(issuer)s") % {"issuer": policy.issuer},
        _("Benefit: %(benefit)s") % {"benefit": policy.benefit},
    ]
    if note.strip():
        lines += ["", note.strip()[:5000]]
    ticket = ticket_services.ticket_create(
        actor=actor,
        title=(_("Policy application: %(title)s") % {"title": policy.title})[:200],
        description="\n".join(lines),
        kind=Kind.HELP,
        service_item=policy.service_item,
        enterprise=applicant,
    )
    match.ticket = ticket
    match.applied_at = clock.now()
    match.save(update_fields=["ticket", "applied_at"])
    return ticket


def may_record_outcome(user: User, match: PolicyMatch) -> bool:
    """A manager who oversees the enterprise, an administrator, or the officer of the
    application's ticket (its assignee or its owner)."""
    if is_admin(user) or user.role == User.Role.MANAGER:
        return True
    ticket = match.ticket
    return bool(
        user.role == User.Role.OFFICER and ticket is not None and user.pk in (ticket.assignee_id, ticket.owner_id)
    )


@transaction.atomic
def policy_outcome_record(
    *, actor: User, policy_id: int, enterprise_id: int, outcome: str, decided_on: date, remark: str = ""
) -> PolicyMatch:
    """Record what became of an enterprise's application: granted or not granted, on which
    day, with a remark (required when not granted: the reason). A second record corrects the
    first; each is an event with the outcome it replaced. 404 outside the caller's scope, 409
    when the enterprise has not applied, 403 for an officer who does not handle the
    application, 400 for an unknown outcome, a day in the future or before the application."""
    policy = policy_get_for(actor, policy_id)
    if not is_staff(actor):
        raise Forbidden(_("Only officers and managers record an outcome."))
    match = match_list_for(actor, policy).select_for_update(of=("self",)).filter(enterprise_id=enterprise_id).first()
    if match is None:
        raise NotFound(_("No such enterprise."))
    if match.ticket_id is None or match.applied_at is None:
        raise Conflict(_("The enterprise has not applied."))
    if not may_record_outcome(actor, match):
        raise Forbidden(_("Only the officer of the application and managers record its outcome."))
    if outcome not in Outcome.values:
        message = _("Choose granted or not granted.")
        raise Invalid(message, detail={"outcome": [message]})
    if decided_on > clock.today_local():
        message = _("The day of the decision cannot be in the future.")
        raise Invalid(message, detail={"decided_on": [message]})
    if decided_on < timezone.localdate(match.applied_at):
        message = _("The day of the decision cannot be before the application.")
        raise Invalid(message, detail={"decided_on": [message]})
    remark = _text(remark, "remark", limit=500, required=outcome == Outcome.REFUSED)
    previous = {"outcome": match.outcome, "decided_on": _shown(match.decided_on), "remark": match.outcome_remark}
    match.outcome = outcome
    match.decided_on = decided_on
    match.outcome_remark = remark
    match.decided_by = actor
    if outcome == Outcome.GRANTED:
        match.granted_at = match.granted_at or clock.now()
    else:
        match.granted_at = None
    match.save(update_fields=["outcome", "decided_on", "outcome_remark", "decided_by", "granted_at"])
    _event(
        policy,
        PolicyEventKind.OUTCOME,
        actor,
        enterprise_id=match.enterprise_id,
        outcome=outcome,
        decided_on=decided_on.isoformat(),
        remark=remark,
        previous=previous if previous["outcome"] else None,
    )
    return match


# --- the enterprises' attributes ------------------------------------------------------------


PROFILE_PERMISSION = "policies.change_enterpriseprofile"


def is_enterprise_admin(user: User, enterprise: Enterprise) -> bool:
    """The enterprise's own administrator: one of its users to whom the desk's administrator
    gave the permission “Can change enterprise profile” (directly or through a group)."""
    return bool(
        user.is_authenticated
        and user.role == User.Role.ENTERPRISE
        and user.enterprise_id == enterprise.pk
        and user.has_perm(PROFILE_PERMISSION)
    )


def may_edit_profile(user: User, enterprise: Enterprise) -> bool:
    """The enterprise's officers (chief, deputy), managers in scope, administrators, and the
    enterprise's own administrator (is_enterprise_admin); not its other users."""
    if is_admin(user):
        return True
    if user.role == User.Role.OFFICER:
        return user.pk in (enterprise.chief_officer_id, enterprise.deputy_officer_id)
    if user.role == User.Role.ENTERPRISE:
        return is_enterprise_admin(user, enterprise)
    return user.role == User.Role.MANAGER


def profile_get_for(user: User, enterprise_id: int) -> EnterpriseProfile:
    """The attributes of an enterprise in the caller's scope (empty when never given)."""
    enterprise = enterprise_list_for(user).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("No such enterprise."))
    profile = EnterpriseProfile.objects.filter(enterprise=enterprise).first()
    return profile or EnterpriseProfile(enterprise=enterprise)


def _qualifications(values: Any) -> str:
    if not isinstance(values, list | tuple):
        raise Invalid(_("A list of qualifications."), detail={"qualifications": [_("A list of qualifications.")]})
    bad = [v for v in values if v not in Qualification.values]
    if bad:
        message = _("Unknown qualification “%(value)s”.") % {"value": str(bad[0])[:40]}
        raise Invalid(message, detail={"qualifications": [message]})
    tags = sorted(set(values))
    return "," + ",".join(tags) + "," if tags else ""


@transaction.atomic
def profile_update(*, actor: User, enterprise_id: int, **changes: Any) -> EnterpriseProfile:
    """Change an enterprise's attributes (industry_code, size_class, qualifications,
    registered_on); each changed one is recorded with its old and new value."""
    enterprise = enterprise_list_for(actor).filter(pk=enterprise_id).first()
    if enterprise is None:
        raise NotFound(_("No such enterprise."))
    if not may_edit_profile(actor, enterprise):
        raise Forbidden(_("Only the enterprise's officers, managers and its own administrator change its attributes."))
    profile, _created = EnterpriseProfile.objects.select_for_update().get_or_create(enterprise=enterprise)
    values: dict[str, str] = {}
    if "industry_code" in changes:
        code = str(changes["industry_code"] or "").strip().upper()
        if code and not INDUSTRY_PREFIX.fullmatch(code):
            message = _("A GB/T 4754 code: a letter A–T and up to 4 digits, e.g. C3981.")
            raise Invalid(message, detail={"industry_code": [message]})
        values["industry_code"] = code
    if "size_class" in changes:
        size = str(changes["size_class"] or "")
        if size and size not in SizeClass.values:
            message = _("Unknown size class.")
            raise Invalid(message, detail={"size_class": [message]})
        values["size_class"] = size
    if "qualifications" in changes:
        values["qualifications"] = _qualifications(changes["qualifications"])
    now = clock.now()
    audit: list[EnterpriseProfileChange] = []
    for field, new in values.items():
        old = getattr(profile, field)
        if old != new:
            setattr(profile, field, new)
            audit.append(EnterpriseProfileChange(enterprise=enterprise, field=field, old=old, new=new))
    if "registered_on" in changes and changes["registered_on"] != profile.registered_on:
        registered: date | None = changes["registered_on"]
        if registered is not None and registered > clock.today_local():
            message = _("The registration date cannot be in the future.")
            raise Invalid(message, detail={"registered_on": [message]})
        old_text = profile.registered_on.isoformat() if profile.registered_on else ""
        profile.registered_on = registered
        new_text = registered.isoformat() if registered else ""
        audit.append(EnterpriseProfileChange(enterprise=enterprise, field="registered_on", old=old_text, new=new_text))
    if audit:
        profile.updated_at = now
        profile.save()
        for row in audit:
            row.actor = actor
            row.created_at = now
        EnterpriseProfileChange.objects.bulk_create(audit)
    return profile


def profile_changes_for(user: User, enterprise_id: int) -> QuerySet[EnterpriseProfileChange]:
    if not enterprise_list_for(user).filter(pk=enterprise_id).exists():
        raise NotFound(_("No such enterprise."))
    return EnterpriseProfileChange.objects.filter(enterprise_id=enterprise_id).select_related("actor")
