"""Where uploaded files are stored: under a generated name, so the user's file name never
touches the file system. Only a suffix of the accepted types survives (for people reading the
folder); any other, such as `.html` on a PNG's bytes, is dropped, so that a stored file can
never be taken for a page or a script even by a web server that guesses by the name. And a
file stored by a transaction that rolls back is deleted again (`atomic_deleting_files`)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePosixPath
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)

# The suffixes of the types tickets.uploads accepts (decided by the bytes, not by the name).
KEPT_SUFFIXES = frozenset(
    {".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx"}
    | {".txt", ".csv"}
)


def generated_name(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    safe_suffix = suffix if suffix in KEPT_SUFFIXES else ""
    return f"{folder}/{uuid.uuid4().hex}{safe_suffix}"


# --- files of a transaction that does not commit -----------------------------------------

# The file lists of the atomic_deleting_files blocks open in this thread or task, outermost first.
_open_blocks: ContextVar[tuple[list[tuple[Storage, str]], ...]] = ContextVar("open_file_blocks", default=())


@contextmanager
def atomic_deleting_files() -> Iterator[None]:
    """`transaction.atomic()` that also deletes the files `file_save` stored inside it (or in a
    block nested in it) when the block does not commit: it raises, or was marked for rollback.

    Django has no rollback hook, and a file is not part of the transaction: without this, a
    ticket whose second attachment is refused rolls back with its first attachment's row, but
    leaves that first file in storage with nothing pointing at it. So the deleting happens in
    an except clause that re-raises, around the same atomic block as the rows. It reaches as
    far as the outermost of these blocks: a service that stores a file uses one, and so does a
    caller that joins several services into one all-or-nothing step (the portal's filing form,
    the visit form). A plain `transaction.atomic()` that rolls back after this block has left
    cleanly is out of reach, as is a process killed mid-request; callers use this block instead."""
    stored: list[tuple[Storage, str]] = []
    token = _open_blocks.set((*_open_blocks.get(), stored))
    try:
        with transaction.atomic():
            yield
            if transaction.get_rollback():
                _delete(stored)
    except BaseException:
        _delete(stored)
        raise
    finally:
        _open_blocks.reset(token)


def file_save(file: FieldFile, name: str, content: File[Any]) -> None:
    """Store `content` as the model's `file` (its row is saved by the caller), and remember it
    in every open `atomic_deleting_files` block, to be deleted if one of them does not commit."""
    blocks = _open_blocks.get()
    if not blocks:
        raise RuntimeError("file_save() stores files only inside atomic_deleting_files().")
    file.save(name, content, save=False)
    for stored in blocks:
        stored.append((file.storage, str(file.name)))  # the name save() chose


def _delete(stored: list[tuple[Storage, str]]) -> None:
    """Delete these files, best effort: a failure here must not hide the error being raised."""
    for storage, name in stored:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not delete %s, stored by a transaction that did not commit", name)
    stored.clear()
