"""The interactive API page under the site's Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse
from drf_spectacular.views import SpectacularSwaggerSplitView

INLINE_STYLE = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


def _sha256_source(content: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode("ascii") + "'"


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with `script-src 'self'`: the split view serves the page's start-up script
    as a same-origin file (`?script`) instead of inline; the page's one inline `<style>` is
    allowed by its hash, on this page only (no 'unsafe-inline' anywhere)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code == 200 and "script" not in request.GET and isinstance(response, SimpleTemplateResponse):
            response.render()
            hashes = [_sha256_source(block) for block in INLINE_STYLE.findall(response.content)]
            if hashes:
                response._csp_update = {"style-src": hashes}  # type: ignore[attr-defined]  # django-csp
        return response
