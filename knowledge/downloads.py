"""An article's file as a download no browser renders (the API and the portal's page)."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound

from .models import Article, ArticleAttachment


def attachment_response(article: Article, attachment_id: int) -> FileResponse:
    """The file as a download that no browser renders (also used by the portal's page)."""
    attachment = ArticleAttachment.objects.filter(article=article, pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such file."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("No such file.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
