"""Articles (办事指南 / FAQ) with their versions, attachments and the deflections they earned."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from servicedesk.files import generated_name
from servicedesk.models import Department, Enterprise, Park, ServiceItem, User


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    ARCHIVED = "archived", _("archived")


class Article(models.Model):
    """A guide or an answer, in Chinese with an optional English text, for one park or (with
    no park) the whole zone. Its text is plain text: it is shown escaped, line breaks kept,
    so no markup a writer types reaches a browser as markup. Every change of its content is an
    ArticleVersion; `version` is the number of the current one."""

    park = models.ForeignKey(
        Park, on_delete=models.PROTECT, null=True, blank=True, related_name="articles", verbose_name=_("park")
    )
    service_item = models.ForeignKey(
        ServiceItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("service item"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("department"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=50000)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    body_en = models.TextField(_("English text"), max_length=50000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    source_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from ticket"),
    )
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("author"))
    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "park", "-updated_at"], name="article_status_park_idx"),
            models.Index(fields=["service_item", "status"], name="article_item_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """A snapshot of an article's content after a change: who, when, what (`note`)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=50000)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    body_en = models.TextField(_("English text"), max_length=50000, blank=True)
    service_item_id_snapshot = models.IntegerField(null=True, blank=True)
    department_id_snapshot = models.IntegerField(null=True, blank=True)
    park_id_snapshot = models.IntegerField(null=True, blank=True)
    note = models.CharField(_("change"), max_length=200, blank=True)
    editor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by"))
    created_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


def article_file_path(instance: ArticleAttachment, filename: str) -> str:
    return generated_name(f"articles/{instance.article_id}", filename)


class ArticleAttachment(models.Model):
    """A form or a sample attached to a guide (the upload checks of ticket attachments)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=article_file_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("article attachment")
        verbose_name_plural = _("article attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Deflection(models.Model):
    """An enterprise read an article instead of filing a ticket and said it solved the
    problem (one per enterprise user and article a day at most). Counted per service item."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="deflections")
    service_item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("deflection")
        verbose_name_plural = _("deflections")
        indexes = [models.Index(fields=["created_at", "service_item"], name="deflection_period_idx")]
        constraints = [
            models.UniqueConstraint(fields=["article", "user", "day"], name="deflection_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.enterprise_id} {self.day}"
