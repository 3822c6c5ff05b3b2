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


class ReadOnlyOrManager(BasePermission):
    """Reads for everyone signed in; writes for park / zone managers and admins."""

    message = "Only park or zone managers and administrators may change this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if request.method in SAFE_METHODS:
            return True
        return is_admin(user) or (user.role == User.Role.MANAGER and not user.department_id)


class ReadOnlyOrZoneManager(BasePermission):
    """Reads for everyone signed in; writes for zone managers and admins (the catalogue)."""

    message = "Only zone managers and administrators may change the catalogue."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or is_admin(user) or is_zone_manager(user)
