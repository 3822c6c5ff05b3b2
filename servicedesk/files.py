"""Where uploaded files are stored: under a generated name, so the user's file name never
touches the file system. Only a suffix of the accepted types survives (for people reading the
folder); any other, such as `.html` on a PNG's bytes, is dropped, so that a stored file can
never be taken for a page or a script even by a web server that guesses by the name."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

# The suffixes of the types tickets.uploads accepts (decided by the bytes, not by the name).
KEPT_SUFFIXES = frozenset(
    {".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx"}
    | {".txt", ".csv"}
)


def generated_name(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    safe_suffix = suffix if suffix in KEPT_SUFFIXES else ""
    return f"{folder}/{uuid.uuid4().hex}{safe_suffix}"
