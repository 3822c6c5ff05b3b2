"""Where uploaded files are stored: under a generated name, so the user's file name never
touches the file system (only a short alphanumeric suffix survives, for the type)."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath


def generated_name(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    safe_suffix = suffix if suffix[1:].isalnum() else ""
    return f"{folder}/{uuid.uuid4().hex}{safe_suffix}"
