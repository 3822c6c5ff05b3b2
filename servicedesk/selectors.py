"""Reads of the organisation, scoped to the caller at the source."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from .models import ApiToken, Department, Enterprise, Park, ServiceItem, User


def is_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.role == User.Role.ADMIN)


def is_zone_manager(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return user.role == User.Role.MANAGER and not user.park_id and not user.department_id


def enterprise_list_for(user: User | AnonymousUser) -> QuerySet[Enterprise]:
    """Admins and zone managers: all; park managers: their park; department heads: the
    enterprises their department's officers serve; officers: the ones they serve;
    enterprise users: their own; nobody else anything."""
    qs = Enterprise.objects.select_related("park", "chief_officer", "deputy_officer")
    if not user.is_authenticated:
        return qs.none()
    if is_admin(user) or is_zone_manager(user):
        return qs
    if user.role == User.Role.MANAGER and user.park_id:
        return qs.filter(park_id=user.park_id)
    if user.role == User.Role.MANAGER and user.department_id:
        return qs.filter(
            Q(chief_officer__department_id=user.department_id) | Q(deputy_officer__department_id=user.department_id)
        )
    if user.role == User.Role.OFFICER:
        return qs.filter(Q(chief_officer=user) | Q(deputy_officer=user))
    if user.role == User.Role.ENTERPRISE and user.enterprise_id:
        return qs.filter(pk=user.enterprise_id)
    return qs.none()


def user_list_for(user: User | AnonymousUser) -> QuerySet[User]:
    """Managers and admins see the people in their scope; everyone else sees themselves."""
    qs = User.objects.select_related("enterprise", "department", "park")
    if not user.is_authenticated:
        return qs.none()
    if is_admin(user) or is_zone_manager(user):
        return qs
    if user.role == User.Role.MANAGER and user.park_id:
        return qs.filter(
            Q(park_id=user.park_id)
            | Q(enterprise__park_id=user.park_id)
            | Q(department__park_id=user.park_id)
            | Q(department__park__isnull=True, department__isnull=False)
        )
    if user.role == User.Role.MANAGER and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.filter(pk=user.pk)


def park_list() -> QuerySet[Park]:
    return Park.objects.select_related("zone")


def department_list() -> QuerySet[Department]:
    return Department.objects.select_related("zone", "park")


def service_item_list() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.select_related("department")


def api_token_list_for(user: User | AnonymousUser) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first; nobody sees another's."""
    if not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
