"""Visits (走访) and the problems found on them, each of which may have become a ticket, and
the photos taken. The tables keep the names they had in the servicedesk app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.files import generated_name
from servicedesk.models import Enterprise, User


class VisitMethod(models.TextChoices):
    ON_SITE = "on_site", _("on site")
    PHONE = "phone", _("phone")
    ONLINE = "online", _("online")


class Visit(models.Model):
    """An officer's visit to an enterprise they serve. Problems found on it are VisitProblem
    rows, each of which may have become a ticket (channel "visit") in the same step."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="visits")
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="visits", verbose_name=_("visited by"))
    visited_at = models.DateTimeField(_("visited at"))
    method = models.CharField(_("method"), max_length=10, choices=VisitMethod.choices, default=VisitMethod.ON_SITE)
    people_met = models.CharField(_("people met"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), max_length=20000)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        db_table = "servicedesk_visit"  # the table it had in the servicedesk app
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["officer", "visited_at"], name="visit_officer_idx"),
            models.Index(fields=["enterprise", "-visited_at"], name="visit_enterprise_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.visited_at:%Y-%m-%d}"


class VisitProblem(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="problems")
    description = models.TextField(_("description"), max_length=20000)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="visit_problems"
    )

    class Meta:
        db_table = "servicedesk_visitproblem"
        verbose_name = _("problem found on a visit")
        verbose_name_plural = _("problems found on visits")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:60]


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return generated_name(f"visits/{instance.visit_id}", filename)


class VisitPhoto(models.Model):
    """A photo taken on a visit (images only, through the same upload checks as tickets)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=visit_photo_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "servicedesk_visitphoto"
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
