from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Intake(models.TextChoices):
    IMAP = "imap", _("IMAP mailbox")
    SMTP = "smtp", _("SMTP endpoint")


class InboundStatus(models.TextChoices):
    FILED = "filed", _("filed as a ticket")
    REPLIED = "replied", _("added to a ticket as a reply")
    REFUSED = "refused", _("refused")
    IGNORED = "ignored", _("ignored (automatic mail, bounce or loop)")


class InboundMessage(models.Model):
    """One message received, once (by its Message-ID): a message polled again, or delivered
    by both intakes, finds its row and is not filed twice."""

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    intake = models.CharField(_("intake"), max_length=10, choices=Intake.choices)
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket"),
    )
    answered = models.BooleanField(_("answered"), default=False)  # the unknown sender was told
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")

    def __str__(self) -> str:
        return self.message_id
