"""The answer to `OPTIONS` on the API: DRF's `SimpleMetadata`, without the object lookup on
routes that have no object.

DRF describes the `PUT` body only after `get_object()` says the caller may change that
object. On a `detail=False` action that takes `PUT` (`/notifications/preferences/`) there is
no object and no `pk` in the URL: `get_object()` fails an assertion, a 500. Here the lookup
runs only when the URL names an object; elsewhere the permission check alone decides.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request, clone_request


class DeskMetadata(SimpleMetadata):
    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        actions: dict[str, Any] = {}
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        names_an_object = lookup in (getattr(view, "kwargs", None) or {})
        for method in sorted({"PUT", "POST"} & set(view.allowed_methods)):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
                if method == "PUT" and names_an_object and hasattr(view, "get_object"):
                    view.get_object()
            except (exceptions.APIException, PermissionDenied, Http404):
                pass
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
        return actions
