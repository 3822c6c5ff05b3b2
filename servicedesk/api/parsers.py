"""Request parsers that turn every malformed body into a 400, never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, which lets the RecursionError of a deeply nested body (`[[[[…`)
    escape as a 500; here it is a parse error like any other bad JSON."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


#: The parsers of the API: JSON, forms and multipart uploads.
API_PARSERS: list[type[parsers.BaseParser]] = [JSONParser, parsers.FormParser, parsers.MultiPartParser]
