"""What may be uploaded: a size limit and an allow-list of types, decided by the bytes,
not by the name. The stored name is generated (see models.attachment_path)."""

from __future__ import annotations

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicedesk.errors import Invalid, TooLarge

ALLOWED_BINARY = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OFFICE_ZIP = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
TEXT_SUFFIXES = {".txt": "text/plain", ".csv": "text/csv"}


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def human_size(size: int) -> str:
    """`20 MB`, `1 KB`, `1.5 MB`, `900 bytes`: the limit as people read it."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return ngettext("%(n)d byte", "%(n)d bytes", size) % {"n": size}


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def check_upload(upload: UploadedFile) -> str:
    """The content type to store and serve, or TooLarge (413) / Invalid (400)."""
    limit = int(settings.UPLOAD_MAX_BYTES)
    if (upload.size or 0) > limit:
        size = human_size(limit)
        raise TooLarge(
            # Translators: %(size)s is a size such as "20 MB"
            _("The file is larger than the limit of %(size)s.") % {"size": size},
            # Translators: %(size)s is a size such as "20 MB"
            detail={"file": [_("At most %(size)s.") % {"size": size}]},
        )
    if not upload.size:
        raise Invalid(_("The file is empty."), detail={"file": [_("Empty file.")]})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    suffix = _suffix(upload.name or "")
    kind = filetype.guess(head)
    if kind is not None:
        mime = str(kind.mime)
        if mime == "application/zip" and suffix in OFFICE_ZIP:
            return OFFICE_ZIP[suffix]
        if mime in ALLOWED_BINARY:
            return mime
    elif suffix in TEXT_SUFFIXES and _looks_like_text(head):
        return TEXT_SUFFIXES[suffix]
    raise Invalid(
        _(
            "This type of file is not accepted. Send PDF, images (JPEG, PNG, GIF, WebP), Word, Excel, "
            "PowerPoint, or plain text / CSV."
        ),
        detail={"file": [_("File type not allowed.")]},
    )
