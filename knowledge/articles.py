"""The knowledge base: who sees and writes which articles, every change of an article (with
its version), the search, the suggestions beside the filing form and the deflections.

Article states: draft → published → archived; an archived article can be published again or
go back to draft, a published one back to draft (unpublished). Every change of the content or
the state is a new ArticleVersion (who, when, what); restoring a version copies its content
into a new one, so history is never rewritten."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

import textsearch
from servicedesk import clock
from servicedesk.errors import Conflict, Forbidden, Invalid, NotFound
from servicedesk.files import atomic_deleting_files, file_save
from servicedesk.models import Department, Park, ServiceItem, User
from servicedesk.selectors import is_admin, is_zone_manager
from tickets import selectors as ticket_selectors
from tickets.models import Status as TicketStatus
from tickets.uploads import check_upload

from .models import Article, ArticleAttachment, ArticleStatus, ArticleVersion, Deflection

SUGGEST_LIMIT = 5
MAX_ATTACHMENTS = 20

# (from, action) → to
MOVES: dict[tuple[str, str], str] = {
    (ArticleStatus.DRAFT, "publish"): ArticleStatus.PUBLISHED,
    (ArticleStatus.ARCHIVED, "publish"): ArticleStatus.PUBLISHED,
    (ArticleStatus.DRAFT, "archive"): ArticleStatus.ARCHIVED,
    (ArticleStatus.PUBLISHED, "archive"): ArticleStatus.ARCHIVED,
    (ArticleStatus.PUBLISHED, "unpublish"): ArticleStatus.DRAFT,
    (ArticleStatus.ARCHIVED, "unpublish"): ArticleStatus.DRAFT,
}
ACTIONS = ("publish", "archive", "unpublish")


# --- reads ----------------------------------------------------------------------------------


def is_writer(user: User) -> bool:
    """Officers, managers and administrators write articles."""
    return bool(user.is_authenticated and (is_admin(user) or user.role in (User.Role.OFFICER, User.Role.MANAGER)))


def _base() -> QuerySet[Article]:
    return Article.objects.select_related("park", "service_item", "department", "author")


def published_for(user: User) -> QuerySet[Article]:
    """The published articles a user may read: an enterprise those of its park and the
    zone-wide ones; staff every published article."""
    qs = _base().filter(status=ArticleStatus.PUBLISHED)
    if not user.is_authenticated:
        return qs.none()
    if user.role == User.Role.ENTERPRISE:
        if not user.enterprise_id:
            return qs.none()
        park_id = user.enterprise.park_id if user.enterprise else None
        return qs.filter(Q(park__isnull=True) | Q(park_id=park_id))
    return qs


def article_list_for(user: User) -> QuerySet[Article]:
    """Published articles as `published_for`; drafts and archived ones only in their
    writer's scope: an officer's own and their department's; a department head's department;
    a park manager's park (and the zone-wide ones); the zone and admins all."""
    if not user.is_authenticated:
        return Article.objects.none()
    if user.role == User.Role.ENTERPRISE and not is_admin(user):
        return published_for(user)
    qs = _base()
    if is_admin(user) or is_zone_manager(user):
        return qs
    unpublished = Q(author=user)
    if user.department_id:
        unpublished |= Q(department_id=user.department_id)
    if user.role == User.Role.MANAGER and user.park_id:
        unpublished |= Q(park_id=user.park_id) | Q(park__isnull=True)
    return qs.filter(Q(status=ArticleStatus.PUBLISHED) | unpublished)


def may_edit(user: User, article: Article) -> bool:
    if is_admin(user) or is_zone_manager(user):
        return True
    if user.role not in (User.Role.OFFICER, User.Role.MANAGER):
        return False
    if article.author_id == user.pk:
        return True
    if user.department_id and article.department_id == user.department_id:
        return True
    return bool(user.role == User.Role.MANAGER and user.park_id and article.park_id == user.park_id)


def article_get_for(user: User, article_id: int) -> Article:
    article = article_list_for(user).filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("No such article."))
    return article


def article_search(user: User, text: str) -> QuerySet[Article]:
    """The articles in the caller's scope that hold every word of `text`, best first."""
    return textsearch.search(article_list_for(user), text)


def article_suggest(user: User, *, title: str, description: str = "", limit: int = SUGGEST_LIMIT) -> list[Article]:
    """The published articles that best match a draft ticket (any of its words, ranked)."""
    text = f"{title} {description}"[:2000]
    return list(textsearch.search(published_for(user), text, any_word=True)[:limit])


# --- changes --------------------------------------------------------------------------------


def _text(value: Any, field: str, *, limit: int, required: bool = True) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise Invalid(_("This field is required."), detail={field: [_("This field is required.")]})
    if len(text) > limit:
        message = _("At most %(n)d characters.") % {"n": limit}
        raise Invalid(message, detail={field: [message]})
    return text


def _snapshot(article: Article, *, editor: User, note: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        title_en=article.title_en,
        body_en=article.body_en,
        service_item_id_snapshot=article.service_item_id,
        department_id_snapshot=article.department_id,
        park_id_snapshot=article.park_id,
        note=note[:200],
        editor=editor,
        created_at=article.updated_at,
    )


def _index(article: Article) -> None:
    article.search_document = textsearch.document(article.title, article.title_en, article.body, article.body_en)


def _placement(
    actor: User, *, department: Department | None, park: Park | None, service_item: ServiceItem | None
) -> tuple[Department | None, Park | None]:
    """Where a writer's article belongs: an officer's and a department head's in their own
    department, a park manager's in their park; the zone and admins anywhere."""
    if is_admin(actor) or is_zone_manager(actor):
        if department is None and service_item is not None:
            department = service_item.department
        return department, park
    if actor.role == User.Role.MANAGER and actor.park_id:
        if park is not None and park.pk != actor.park_id:
            raise Invalid(_("Choose your own park."), detail={"park": [_("Choose your own park.")]})
        if department is None and service_item is not None:
            department = service_item.department
        return department, actor.park
    if actor.department_id and department is not None and department.pk != actor.department_id:
        message = _("Officers write the articles of their own department.")
        raise Invalid(message, detail={"department": [message]})
    own = actor.department
    return own, park if park is not None else (own.park if own else None)


@transaction.atomic
def article_create(
    *,
    actor: User,
    title: str,
    body: str,
    title_en: str = "",
    body_en: str = "",
    service_item: ServiceItem | None = None,
    department: Department | None = None,
    park: Park | None = None,
    source_ticket_id: int | None = None,
) -> Article:
    """A new draft (version 1)."""
    if not is_writer(actor):
        raise Forbidden(_("Only officers and managers write articles."))
    department, park = _placement(actor, department=department, park=park, service_item=service_item)
    now = clock.now()
    article = Article(
        title=_text(title, "title", limit=200),
        body=_text(body, "body", limit=50000),
        title_en=_text(title_en, "title_en", limit=200, required=False),
        body_en=_text(body_en, "body_en", limit=50000, required=False),
        service_item=service_item,
        department=department,
        park=park,
        author=actor,
        source_ticket_id=source_ticket_id,
        created_at=now,
        updated_at=now,
    )
    _index(article)
    article.save()
    _snapshot(article, editor=actor, note="created")
    return article


def _lock_for_edit(actor: User, article_id: int) -> Article:
    if not article_list_for(actor).filter(pk=article_id).exists():
        raise NotFound(_("No such article."))
    article = Article.objects.select_for_update().get(pk=article_id)
    if not may_edit(actor, article):
        raise Forbidden(_("You may not change this article."))
    return article


CONTENT_FIELDS = ("title", "body", "title_en", "body_en")


@transaction.atomic
def article_update(*, actor: User, article_id: int, **changes: Any) -> Article:
    """Change the texts, the service item or the department; a new version when anything
    changed (a published article stays published)."""
    article = _lock_for_edit(actor, article_id)
    changed: list[str] = []
    limits = {"title": 200, "body": 50000, "title_en": 200, "body_en": 50000}
    for field in CONTENT_FIELDS:
        if field in changes:
            value = _text(changes[field], field, limit=limits[field], required=field in ("title", "body"))
            if value != getattr(article, field):
                setattr(article, field, value)
                changed.append(field)
    if "service_item" in changes and changes["service_item"] != article.service_item:
        article.service_item = changes["service_item"]
        changed.append("service_item")
    if "department" in changes and changes["department"] != article.department:
        department, _park = _placement(actor, department=changes["department"], park=article.park, service_item=None)
        article.department = department
        changed.append("department")
    if not changed:
        return article
    article.version += 1
    article.updated_at = clock.now()
    _index(article)
    article.save()
    _snapshot(article, editor=actor, note="edited: " + ", ".join(changed))
    return article


@transaction.atomic
def article_transition(*, actor: User, article_id: int, action: str) -> Article:
    """publish, archive or unpublish (back to draft); 409 when the state does not allow it."""
    article = _lock_for_edit(actor, article_id)
    target = MOVES.get((article.status, action))
    if target is None:
        raise Conflict(
            _("An article that is %(status)s cannot be %(action)s.")
            % {"status": article.get_status_display(), "action": action}
        )
    now = clock.now()
    article.status = target
    article.version += 1
    article.updated_at = now
    if target == ArticleStatus.PUBLISHED:
        article.published_at = now
    article.save()
    _snapshot(article, editor=actor, note=action)
    return article


@transaction.atomic
def article_restore(*, actor: User, article_id: int, number: int) -> Article:
    """Make an earlier version's content the current one (as a new version)."""
    article = _lock_for_edit(actor, article_id)
    old = article.versions.filter(number=number).first()
    if old is None:
        raise NotFound(_("No such version."))
    article.title, article.body, article.title_en, article.body_en = old.title, old.body, old.title_en, old.body_en
    article.version += 1
    article.updated_at = clock.now()
    _index(article)
    article.save()
    _snapshot(article, editor=actor, note=f"restored v{number}")
    return article


def _mask(text: str, secrets: list[str]) -> str:
    for secret in sorted({s.strip() for s in secrets if s and len(s.strip()) >= 2}, key=len, reverse=True):
        text = re.sub(re.escape(secret), "***", text, flags=re.IGNORECASE)
    return text


@transaction.atomic
def article_from_ticket(*, actor: User, ticket_id: int) -> Article:
    """A draft from a resolved ticket's public answer: the question (its title) and the
    resolution, with the enterprise's name, code and contacts blanked out; the ticket's
    description (the enterprise's own words) is not copied. The draft keeps the link."""
    if not is_writer(actor):
        raise Forbidden(_("Only officers and managers write articles."))
    ticket = ticket_selectors.ticket_list_for(actor).filter(pk=ticket_id).select_related("enterprise").first()
    if ticket is None:
        raise NotFound(_("No such ticket."))
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED) or not ticket.resolution.strip():
        raise Conflict(_("Only a resolved ticket with an answer becomes an article."))
    ent = ticket.enterprise
    secrets = [ent.name, ent.credit_code, ent.contact_name, ent.contact_phone, ent.contact_email, ent.address]
    department = ticket.department if is_admin(actor) or is_zone_manager(actor) else None
    return article_create(
        actor=actor,
        title=_mask(ticket.title, secrets)[:200],
        body=_mask(ticket.resolution, secrets),
        service_item=ticket.service_item,
        department=department,
        source_ticket_id=ticket.pk,
    )


@atomic_deleting_files()
def article_attachment_add(*, actor: User, article_id: int, upload: UploadedFile[Any]) -> ArticleAttachment:
    """A file of a guide, through the ticket attachments' checks (size, type by the bytes)."""
    article = _lock_for_edit(actor, article_id)
    if article.attachments.count() >= MAX_ATTACHMENTS:
        raise Invalid(_("At most %(n)d files per article.") % {"n": MAX_ATTACHMENTS})
    content_type = check_upload(upload)
    attachment = ArticleAttachment(
        article=article,
        original_name=(upload.name or "file")[-200:],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
        created_at=clock.now(),
    )
    file_save(attachment.file, upload.name or "file", upload)
    attachment.save()
    return attachment


def deflection_record(*, actor: User, article_id: int, service_item: ServiceItem | None = None) -> bool:
    """An enterprise user says a published article solved their problem: counted once per
    user, article and day, against the service item they had chosen (else the article's).
    True when it was counted now."""
    if actor.role != User.Role.ENTERPRISE or not actor.enterprise_id or actor.enterprise is None:
        raise Forbidden(_("Only enterprise users mark an article as the answer to their problem."))
    article = published_for(actor).filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("No such article."))
    now = clock.now()
    try:
        with transaction.atomic():
            Deflection.objects.create(
                article=article,
                service_item=service_item or article.service_item,
                enterprise_id=actor.enterprise_id,
                park_id=actor.enterprise.park_id,
                user=actor,
                day=clock.today_local(),
                created_at=now,
            )
    except IntegrityError:
        return False
    return True
