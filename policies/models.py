"""Support policies, the enterprise attributes their conditions read, and the matches."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk import clock
from servicedesk.errors import Invalid
from servicedesk.models import Enterprise, Park, ServiceItem, User

from .conditions import Qualification as Qualification
from .conditions import SizeClass, clean_conditions


class EnterpriseProfile(models.Model):
    """The attributes of an enterprise that policies' conditions read. `qualifications` holds
    the tags between commas (",high-tech,srdi,") so that "has this tag" is a plain LIKE in
    SQL on every database; every change is an EnterpriseProfileChange."""

    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="profile", verbose_name=_("enterprise")
    )
    industry_code = models.CharField(
        _("industry code"), max_length=5, blank=True, help_text=_("GB/T 4754, e.g. C3981 (a letter, up to 4 digits)")
    )
    size_class = models.CharField(_("size class"), max_length=10, choices=SizeClass.choices, blank=True)
    qualifications = models.CharField(_("qualifications"), max_length=200, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    class Meta:
        verbose_name = _("enterprise profile")
        verbose_name_plural = _("enterprise profiles")
        indexes = [
            models.Index(fields=["industry_code"], name="profile_industry_idx"),
            models.Index(fields=["size_class", "registered_on"], name="profile_size_reg_idx"),
        ]

    def __str__(self) -> str:
        return str(self.enterprise_id)

    @property
    def qualification_list(self) -> list[str]:
        return [tag for tag in self.qualifications.split(",") if tag]


class EnterpriseProfileChange(models.Model):
    """The audit of the profile: who changed which attribute from what to what, when."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(_("attribute"), max_length=30)
    old = models.CharField(_("before"), max_length=200, blank=True)
    new = models.CharField(_("after"), max_length=200, blank=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by"))
    created_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("enterprise profile change")
        verbose_name_plural = _("enterprise profile changes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-created_at"], name="profile_change_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.field}"


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")


class Policy(models.Model):
    """A support policy (惠企政策) of one park or (no park) the whole zone, effective from one
    day to another (inclusive; no end: open-ended). `conditions` are the eligibility rules
    over the enterprises' attributes (policies.conditions): every condition named must hold."""

    title = models.CharField(_("title"), max_length=200)
    issuer = models.CharField(_("issued by"), max_length=100)
    summary = models.TextField(_("summary"), max_length=2000)
    body = models.TextField(_("full text"), max_length=50000, blank=True)
    benefit = models.CharField(_("benefit"), max_length=200)
    service_item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="policies", verbose_name=_("service item")
    )
    park = models.ForeignKey(
        Park, on_delete=models.PROTECT, null=True, blank=True, related_name="policies", verbose_name=_("park")
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT, db_index=True
    )
    conditions = models.JSONField(_("eligibility"), default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by"))
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("support policy")
        verbose_name_plural = _("support policies")
        ordering = ["-effective_from", "-id"]
        indexes = [models.Index(fields=["status", "park", "effective_to"], name="policy_status_park_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="policy_window_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The admin's form: the same checks as the API."""
        super().clean()
        try:
            self.conditions = clean_conditions(self.conditions)
        except Invalid as error:
            raise ValidationError({"conditions": error.message}) from None
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The policy cannot end before it starts.")})


class Outcome(models.TextChoices):
    """What became of an application: the benefit was granted, or it was not."""

    GRANTED = "granted", _("granted")
    REFUSED = "not_granted", _("not granted")


class PolicyMatch(models.Model):
    """An enterprise and a policy: `qualified` when it met the conditions (matched, and told
    at `notified_at`); an enterprise that applied without qualifying has a row too. Applying
    links the ticket; the outcome (granted or not, on `decided_on`, with a remark) is recorded
    by the ticket's officer or a manager, and `granted_at` is when "granted" was recorded.
    One row per pair."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="matches")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="policy_matches")
    qualified = models.BooleanField(_("qualifies"), default=True)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ticket")
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    outcome_remark = models.CharField(_("remark"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )

    class Meta:
        verbose_name = _("policy match")
        verbose_name_plural = _("policy matches")
        ordering = ["policy", "enterprise"]
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="policy_match_once")]
        indexes = [models.Index(fields=["enterprise", "policy"], name="policy_match_enterprise_idx")]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.enterprise_id}"


class PolicyEventKind(models.TextChoices):
    EDITED = "edited", _("edited")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")
    REMATCHED = "rematched", _("matched again")
    OUTCOME = "outcome", _("outcome recorded")


class PolicyEvent(models.Model):
    """The policy's audit trail, never changed: who edited it (`detail`: field → [before,
    after]), published, archived or re-matched it, and who recorded an enterprise's outcome
    (`detail`: outcome, date, remark, and the previous outcome)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="events")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=PolicyEventKind.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("policy event")
        verbose_name_plural = _("policy events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["policy", "created_at"], name="policy_event_idx")]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.kind}"
