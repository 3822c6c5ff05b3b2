"""Tickets, their append-only audit trail, attachments, extension and assist requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext_lazy as _

from servicedesk.files import generated_name


class Kind(models.TextChoices):
    ENQUIRY = "enquiry", _("enquiry")  # 咨询
    HELP = "help", _("help")  # 求助
    COMPLAINT = "complaint", _("complaint")  # 投诉
    SUGGESTION = "suggestion", _("suggestion")  # 建议


class Priority(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    URGENT = "urgent", _("urgent")


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")  # 待签收
    IN_PROGRESS = "in_progress", _("in progress")  # 办理中
    WAITING = "waiting_on_enterprise", _("waiting on the enterprise")  # 挂起
    RESOLVED = "resolved", _("resolved")  # 已办结
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


OPEN_STATUSES = (Status.SUBMITTED, Status.IN_PROGRESS, Status.WAITING)

# the deadline that runs now, as SQL: acceptance before accepting, resolution while open,
# none after (the queue sorts by it, under an index of the same expression)
NEXT_DUE = Case(
    When(status=Status.SUBMITTED, then=F("accept_due_at")),
    When(status__in=[Status.IN_PROGRESS, Status.WAITING], then=F("resolve_due_at")),
    default=Value(None),
    output_field=models.DateTimeField(),
)


class Channel(models.TextChoices):
    ONLINE = "online", _("online (enterprise)")  # 一窗受理
    PROXY = "proxy", _("filed by an officer on behalf")  # 代办
    VISIT = "visit", _("found on a visit")  # 走访
    EMAIL = "email", _("e-mail (enterprise)")  # mailin: a message to the desk's address


class SlaPolicy(models.Model):
    """The configurable rules of the SLA engine (one active row; edited in the admin)."""

    name = models.CharField(_("name"), max_length=60, default="default")
    is_active = models.BooleanField(_("active"), default=True)
    enquiry_resolve_limit = models.CharField(_("enquiry resolution limit"), max_length=8, default="2d")
    help_resolve_limit = models.CharField(_("help resolution limit"), max_length=8, default="10d")
    complaint_resolve_limit = models.CharField(_("complaint resolution limit"), max_length=8, default="15d")
    suggestion_resolve_limit = models.CharField(_("suggestion resolution limit"), max_length=8, default="10d")
    default_accept_limit = models.CharField(_("default acceptance limit"), max_length=8, default="1d")
    urgent_fraction = models.DecimalField(
        _("urgent: fraction of the limits"), max_digits=4, decimal_places=3, default=Decimal("0.25")
    )
    urgent_clock = models.CharField(
        _("urgent: clock"),
        max_length=10,
        default="natural",
        choices=[("working", _("working time")), ("natural", _("natural time"))],
    )
    max_extensions = models.PositiveSmallIntegerField(_("extensions allowed per ticket"), default=3)
    assist_limit = models.CharField(_("assist request limit"), max_length=8, default="3d")
    rectification_limit = models.CharField(_("rectification limit"), max_length=8, default="5d")
    auto_close_days = models.PositiveSmallIntegerField(_("days before a resolved ticket closes itself"), default=7)
    reopen_window_days = models.PositiveSmallIntegerField(_("days a closed ticket may be reopened"), default=7)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_policy")
        ]

    def __str__(self) -> str:
        return self.name

    def resolve_limit_for(self, kind: str) -> str:
        return str(getattr(self, f"{kind}_resolve_limit"))

    @classmethod
    def current(cls) -> SlaPolicy:
        policy = cls.objects.filter(is_active=True).first()
        return policy if policy is not None else cls()


class TicketNumberCounter(models.Model):
    """One row per year; the next ticket number is taken under a row lock. Numbers are
    unique, and a rolled-back creation may leave a gap (gap-tolerant by design)."""

    year = models.PositiveIntegerField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.value}"


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20000)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HELP)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    priority_rank = models.PositiveSmallIntegerField(default=1, editable=False)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.SUBMITTED)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)

    enterprise = models.ForeignKey(
        "servicedesk.Enterprise", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("enterprise")
    )
    park = models.ForeignKey(
        "servicedesk.Park", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("park"), editable=False
    )
    service_item = models.ForeignKey(
        "servicedesk.ServiceItem", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("service item")
    )
    department = models.ForeignKey(
        "servicedesk.Department",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("handling department"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tickets",
        verbose_name=_("owner (first-ask officer)"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("filed by")
    )

    accept_due_at = models.DateTimeField(_("acceptance due"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # working seconds from filing to first_response_at / resolved_at on the default calendar,
    # written with them (tickets.sla.spent): what the officers' report reads
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True, editable=False)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True, max_length=20000)

    overdue = models.BooleanField(_("overdue"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    deadline_version = models.PositiveIntegerField(default=1, editable=False)
    extension_count = models.PositiveSmallIntegerField(_("approved extensions"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    is_rectification = models.BooleanField(_("rectification"), default=False)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    # a duplicate merged into its primary (tickets.merge): closed, counted once (with the
    # primary) by the reports, and told of the primary's replies
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
        editable=False,
    )
    # the words of the number, title, description, enterprise name and public replies
    # (tickets.search): PostgreSQL full text under a GIN index (migration 0007)
    search_document = models.TextField(default="", blank=True, editable=False)

    created_at = models.DateTimeField(_("created at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the officers' queues: assignee=me / owner=me, by status, by due time
            models.Index(fields=["assignee", "status", "resolve_due_at"], name="ticket_assignee_queue_idx"),
            models.Index(fields=["owner", "status", "resolve_due_at"], name="ticket_owner_queue_idx"),
            # the enterprise's list and the managers' scoped lists
            models.Index(fields=["enterprise", "-created_at"], name="ticket_enterprise_idx"),
            models.Index(fields=["park", "status", "-created_at"], name="ticket_park_idx"),
            # a park manager's open queue by due time (?status=…&status=…&ordering=resolve_due_at):
            # partial, so the planner walks the park's open tickets in due order instead of the
            # whole ticket_resolve_due_idx (it assumes open tickets are spread evenly in due time)
            models.Index(
                fields=["park", "resolve_due_at"],
                name="ticket_park_queue_idx",
                condition=models.Q(status__in=[str(s) for s in OPEN_STATUSES]),
            ),
            models.Index(fields=["department", "status", "-created_at"], name="ticket_department_idx"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_idx"),
            models.Index(fields=["service_item", "-created_at"], name="ticket_item_idx"),
            models.Index(fields=["priority_rank", "-created_at"], name="ticket_priority_idx"),
            models.Index(fields=["resolve_due_at"], name="ticket_resolve_due_idx"),
            models.Index(fields=["overdue", "status"], name="ticket_overdue_idx", condition=models.Q(overdue=True)),
            # the queue's columns: sorted by the running deadline, the title
            models.Index(NEXT_DUE, F("id"), name="ticket_next_due_idx"),
            models.Index(fields=["title"], name="ticket_title_idx"),
            # the live queue's "changed since" check walks only the recently changed tickets
            models.Index(fields=["updated_at"], name="ticket_updated_idx"),
            # a ticket's accountable units by id, without the row: the monthly report counts a
            # period's escalations, orders, extensions and ratings per unit through this index
            # (a nested loop of index-only probes, not a scan of every ticket for a hash join)
            models.Index(fields=["id"], include=["owner", "department", "park"], name="ticket_units_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


#: The tickets the reports count: a duplicate merged into a primary is counted once, as its
#: primary (received, on-time rates, rankings, medians).
COUNTED = models.Q(merged_into__isnull=True)


class TicketLink(models.Model):
    """Two related tickets (关联工单), linked by staff; unordered, so stored with the lower id
    first and at most once per pair."""

    low = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+")
    high = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="one_link_per_pair"),
            models.CheckConstraint(condition=models.Q(low__lt=models.F("high")), name="link_low_below_high"),
        ]

    def __str__(self) -> str:
        return f"{self.low_id} ↔ {self.high_id}"


class EventKind(models.TextChoices):
    CREATED = "created", _("filed")
    ACCEPTED = "accepted", _("accepted")
    RETURNED = "returned", _("returned for re-dispatch")
    REPLIED = "replied", _("replied")
    NOTED = "noted", _("internal note")
    TRANSFERRED = "transferred", _("transferred")
    ASSIST_REQUESTED = "assist_requested", _("assistance requested")
    ASSIST_ANSWERED = "assist_answered", _("assistance answered")
    SUSPENDED = "suspended", _("suspended")
    RESUMED = "resumed", _("resumed")
    RESOLVED = "resolved", _("resolved")
    WITHDRAWN = "withdrawn", _("withdrawn")
    RATED = "rated", _("rated")
    CLOSED = "closed", _("closed")
    REOPENED = "reopened", _("reopened")
    EXTENSION_REQUESTED = "extension_requested", _("extension requested")
    EXTENSION_APPROVED = "extension_approved", _("extension approved")
    EXTENSION_REJECTED = "extension_rejected", _("extension rejected")
    ATTACHMENT_ADDED = "attachment_added", _("attachment added")
    ESCALATED = "escalated", _("escalated")
    SUPERVISED = "supervised", _("supervision order")
    RATING_REVIEWED = "rating_reviewed", _("bad review checked")
    RETURN_VISIT = "return_visit", _("return visit")
    PRAISED = "praised", _("praise received")
    LINKED = "linked", _("linked to a related ticket")
    MERGED = "merged", _("merged")
    MERGED_REPLY = "merged_reply", _("reply on the merged ticket")


class AppendOnlyQuerySet(models.QuerySet["TicketEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Ticket events are append-only: they are never updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Ticket events are append-only: they are never deleted.")


class TicketEvent(models.Model):
    """The audit trail. Written in the same transaction as the change it records; never
    updated or deleted (the model refuses, and on PostgreSQL a trigger refuses too)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    public = models.BooleanField(default=True, help_text=_("Shown to the enterprise."))
    body = models.TextField(blank=True, max_length=20000)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["id"]
        indexes = [models.Index(fields=["ticket", "id"], name="event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Ticket events are append-only: they are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Ticket events are append-only: they are never deleted.")


def attachment_path(instance: Attachment, filename: str) -> str:
    return generated_name(f"attachments/{instance.ticket_id}", filename)


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    public = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    previous_resolve_due_at = models.DateTimeField()
    new_resolve_due_at = models.DateTimeField()
    reason = models.TextField(max_length=5000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(status="pending"), name="one_pending_extension_per_ticket"
            )
        ]
        # the monthly report's approved extensions by period
        indexes = [
            models.Index(
                fields=["decided_at"],
                name="extension_decided_idx",
                condition=models.Q(decided_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.new_resolve_due_at:%Y-%m-%d %H:%M}"


class AssistRequest(models.Model):
    """Co-handling (协办): another department is asked to help, with its own deadline."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="assists")
    department = models.ForeignKey("servicedesk.Department", on_delete=models.PROTECT, related_name="assists")
    request = models.TextField(max_length=5000)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    answer = models.TextField(blank=True, max_length=20000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("assist request")
        verbose_name_plural = _("assist requests")
        ordering = ["id"]
        indexes = [models.Index(fields=["department", "answered_at"], name="assist_department_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.department_id}"


BAD_SCORE_MAX = 2  # 1 非常不满意, 2 不满意: a bad review (差评)
DEFAULT_SCORE = 3  # 基本满意: the rating of a resolved ticket nobody rated in time


class ReviewVerdict(models.TextChoices):
    VALID = "valid", _("valid: rectify")  # 属实, 整改
    DISMISSED = "dismissed", _("dismissed")  # 不予采纳


class Rating(models.Model):
    """好差评: 1 非常不满意 … 5 非常满意. One per resolution; `is_default` marks the
    automatic 基本满意 (3) after 7 days without the enterprise's word."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="ratings")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=5000)
    is_default = models.BooleanField(default=False)
    resolution_round = models.PositiveSmallIntegerField(default=0)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField()
    # 差评核查: a bad rating (1–2) waits for a manager's check (tickets.ratings.rating_review)
    review_verdict = models.CharField(_("check verdict"), max_length=10, choices=ReviewVerdict.choices, blank=True)
    review_reason = models.TextField(_("check reason"), blank=True, max_length=5000)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    is_reasonable = models.BooleanField(_("reasonable"), null=True, blank=True)
    is_true = models.BooleanField(_("true to the facts"), null=True, blank=True)
    is_malicious = models.BooleanField(_("malicious"), null=True, blank=True)
    return_visit_due_at = models.DateTimeField(_("return visit due"), null=True, blank=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "resolution_round"], name="one_rating_per_resolution"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"),
        ]
        indexes = [
            # the managers' queue of bad ratings waiting for a check
            models.Index(
                fields=["ticket"],
                name="rating_unchecked_bad_idx",
                condition=models.Q(score__lte=BAD_SCORE_MAX, review_verdict=""),
            ),
            # the monthly report: the period's ratings, and its checked bad reviews
            models.Index(fields=["created_at"], name="rating_created_idx"),
            models.Index(
                fields=["reviewed_at"], name="rating_reviewed_idx", condition=models.Q(reviewed_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}"

    @property
    def is_bad(self) -> bool:
        return self.score <= BAD_SCORE_MAX


# --- the SLA engine's durable state (tickets.sla.escalation) ------------------------------


class DeadlineKind(models.TextChoices):
    ACCEPT = "accept", _("acceptance")
    RESOLVE = "resolve", _("resolution")


class EscalationLevel(models.TextChoices):
    # xgettext:no-python-format
    WARNING = "warning", _("warning (75 %)")
    BREACH = "breach", _("breach (100 %)")
    SUPERVISION = "supervision", _("supervision order (督办)")


class SlaDeadline(models.Model):
    """One version of a ticket's acceptance or resolution deadline, with where its ladder
    stands: `next_level` fires at `next_step_at`. `next_step_at` is NULL when the deadline is
    stopped (accepted, resolved, superseded), paused (挂起) or its ladder is done; the sweep
    picks the due rows through the partial index on it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="sla_deadlines")
    kind = models.CharField(max_length=10, choices=DeadlineKind.choices)
    version = models.PositiveIntegerField()
    clock = models.CharField(max_length=10, default="working")  # "working" | "natural"
    # xgettext:no-python-format
    started_at = models.DateTimeField(help_text=_("Start of the span whose 75 % is the warning point."))
    due_at = models.DateTimeField()
    next_step_at = models.DateTimeField(null=True, blank=True)
    next_level = models.CharField(max_length=12, choices=EscalationLevel.choices, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("SLA deadline")
        verbose_name_plural = _("SLA deadlines")
        ordering = ["ticket_id", "kind", "version"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind", "version"], name="one_deadline_per_version"),
        ]
        indexes = [
            models.Index(
                fields=["next_step_at"], name="sla_deadline_due_idx", condition=models.Q(next_step_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} v{self.version} → {self.due_at:%Y-%m-%d %H:%M}"


class Escalation(models.Model):
    """A step of the ladder that fired. The unique constraint makes a repeated step impossible."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="escalations")
    deadline = models.ForeignKey(SlaDeadline, on_delete=models.PROTECT, related_name="escalations")
    kind = models.CharField(max_length=10, choices=DeadlineKind.choices)
    level = models.CharField(max_length=12, choices=EscalationLevel.choices)
    version = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField()

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind", "level", "version"], name="one_escalation_per_step"),
        ]
        # the monthly report's escalations by period
        indexes = [models.Index(fields=["fired_at"], name="escalation_fired_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.level} v{self.version}"


class SupervisionOrder(models.Model):
    """督办: issued on behalf of the park manager(s) to the officer handling a late ticket
    (automatically one working day past a deadline, or by a manager by hand); it needs the
    officer's written answer before `answer_due_at`."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="supervision_orders")
    escalation = models.OneToOneField(
        Escalation, on_delete=models.PROTECT, null=True, blank=True, related_name="supervision_order"
    )
    deadline_kind = models.CharField(max_length=10, choices=DeadlineKind.choices)
    reason = models.TextField(blank=True, max_length=5000)
    addressed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="supervision_orders"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="supervised_orders")
    answer_due_at = models.DateTimeField()
    answer = models.TextField(blank=True, max_length=20000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["ticket", "-id"], name="supervision_ticket_idx"),
            models.Index(fields=["created_at"], name="supervision_created_idx"),  # the monthly report's period
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} 督办 #{self.pk}"


# --- after the rating: return visits (回访) and praise (感谢信 / 锦旗) -------------------------


class ReturnVisitMethod(models.TextChoices):
    PHONE = "phone", _("phone")
    VISIT = "visit", _("visit in person")
    ONLINE = "online", _("online")


class ReturnVisit(models.Model):
    """回访 after a bad review found valid: how the enterprise was asked, what it said, and
    whether it is satisfied now. One per checked bad rating."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="return_visits")
    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="return_visit")
    method = models.CharField(_("method"), max_length=10, choices=ReturnVisitMethod.choices)
    result = models.TextField(_("result"), max_length=5000)
    satisfied = models.BooleanField(_("satisfied"))
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(_("visited at"))

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} 回访 {self.visited_at:%Y-%m-%d}"


class PraiseKind(models.TextChoices):
    LETTER = "letter", _("letter of thanks")  # 感谢信
    BANNER = "banner", _("silk banner")  # 锦旗


class Praise(models.Model):
    """A letter of thanks or a silk banner an enterprise gave, recorded by an officer or a
    manager, for a ticket (and so for its enterprise)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="praises")
    enterprise = models.ForeignKey("servicedesk.Enterprise", on_delete=models.PROTECT, related_name="praises")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="praises",
        verbose_name=_("officer praised"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PraiseKind.choices)
    note = models.TextField(_("note"), blank=True, max_length=5000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("praise")
        verbose_name_plural = _("praise")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.kind}"


class SavedQueueFilter(models.Model):
    """A view of the work queue a user named and keeps (its query string, only the queue's
    own parameters: tab, search, filters, sort)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_queue_filters")
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("query"), max_length=500)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("saved queue filter")
        verbose_name_plural = _("saved queue filters")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_user_name_unique")]

    def __str__(self) -> str:
        return self.name
