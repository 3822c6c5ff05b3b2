"""A canned reply (回复模板): personal (an `owner`) or shared by a department."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk import clock
from servicedesk.errors import Invalid
from servicedesk.models import Department, User

from .placeholders import placeholders_in


class CannedReply(models.Model):
    """The text of an answer with placeholders ({enterprise}, {ticket}, {officer}, {due}), for
    its owner alone or for every member of its department: exactly one of the two is set.
    `usage_count` counts the times it was filled into a reply."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=5000)
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        verbose_name=_("department"),
    )
    owner = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        verbose_name=_("personal, for"),
    )
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by"))
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["owner", "title"], name="cannedreply_owner_idx"),
            models.Index(fields=["department", "title"], name="cannedreply_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner__isnull=False, department__isnull=True)
                | models.Q(owner__isnull=True, department__isnull=False),
                name="cannedreply_personal_or_department",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The admin's form: an unknown placeholder is an error on the text."""
        super().clean()
        try:
            placeholders_in(self.body or "")
        except Invalid as error:
            raise ValidationError({"body": error.message}) from None
        if (self.owner_id is None) == (self.department_id is None):
            raise ValidationError(_("A canned reply is either personal or a department's."))
