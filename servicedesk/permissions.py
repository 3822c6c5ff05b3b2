"""Role checks shared by the API (scope is decided by the selectors)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from .models import User
from .selectors import is_admin, is_zone_manager


class IsManagerOrAdmin(BasePermission):
    message = "Only managers and administrators may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user.is_authenticated and (is_admin(user) or user.role == User.Role.MANAGER))


def _is_park_or_zone_manager_or_admin(user: Any) -> bool:
    return is_admin(user) or (user.role == User.Role.MANAGER and not user.department_id)


class ReadOnlyOrManager(BasePermission):
    """Reads for everyone signed in; writes for park / zone managers and admins.

    On a single object the role is checked only once the object was found in the caller's
    scope, so that an object outside it is a 404 for everyone (never a 403 that tells it
    exists); lists and creation are checked up front."""

    message = "Only park or zone managers and administrators may change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if request.method in SAFE_METHODS or getattr(view, "detail", False):
            return True
        return _is_park_or_zone_manager_or_admin(user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return request.method in SAFE_METHODS or _is_park_or_zone_manager_or_admin(request.user)


class ReadOnlyOrZoneManager(BasePermission):
    """Reads for everyone signed in; writes for zone managers and admins (the catalogue)."""

    message = "Only zone managers and administrators may change the catalogue."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or is_admin(user) or is_zone_manager(user)
