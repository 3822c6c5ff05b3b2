"""Changes to the organisation. Each validates the whole object before writing it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from .errors import Forbidden, Invalid
from .models import Department, Enterprise, Park, User
from .selectors import is_admin, is_zone_manager


def _manager_may_scope(
    actor: User, *, park: Park | None, department: Department | None, enterprise: Enterprise | None
) -> bool:
    """May this manager create or edit something attached to these scope objects?"""
    if is_admin(actor) or is_zone_manager(actor):
        return True
    if actor.role != User.Role.MANAGER:
        return False
    if actor.park_id:
        if enterprise is not None:
            return enterprise.park_id == actor.park_id
        if department is not None:
            return department.park_id == actor.park_id
        return park is not None and park.pk == actor.park_id
    if actor.department_id:
        return department is not None and department.pk == actor.department_id and enterprise is None
    return False


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    role: str,
    enterprise: Enterprise | None = None,
    department: Department | None = None,
    park: Park | None = None,
    **extra: Any,
) -> User:
    if role == User.Role.ADMIN and not is_admin(actor):
        raise Forbidden("Only administrators may create administrators.")
    superior = is_admin(actor) or is_zone_manager(actor)
    own_park = bool(actor.park_id and park is not None and park.pk == actor.park_id and department is None)
    if role == User.Role.MANAGER and not (superior or own_park):
        raise Forbidden("You may create managers only within your own scope.")
    if not _manager_may_scope(actor, park=park, department=department, enterprise=enterprise):
        raise Forbidden("That enterprise, department or park is outside your scope.")
    if User.objects.filter(username=username).exists():
        raise Invalid("That username is taken.", detail={"username": ["That username is taken."]})
    user = User(username=username, role=role, enterprise=enterprise, department=department, park=park, **extra)
    try:
        validate_password(password, user)
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"password": exc.messages}
        raise Invalid("The user is not valid.", detail=detail) from exc
    user.set_password(password)
    user.save()
    return user


def _enterprise_save(enterprise: Enterprise) -> Enterprise:
    try:
        enterprise.full_clean()
    except ValidationError as exc:
        raise Invalid("The enterprise is not valid.", detail=exc.message_dict) from exc
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_create(*, actor: User, **fields: Any) -> Enterprise:
    enterprise = Enterprise(**fields)
    if not _manager_may_scope(actor, park=enterprise.park, department=None, enterprise=None):
        raise Forbidden("That park is outside your scope.")
    return _enterprise_save(enterprise)


@transaction.atomic
def enterprise_update(*, actor: User, enterprise_id: int, **fields: Any) -> Enterprise:
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise_id)
    for name, value in fields.items():
        setattr(enterprise, name, value)
    if not _manager_may_scope(actor, park=enterprise.park, department=None, enterprise=None):
        raise Forbidden("That park is outside your scope.")
    return _enterprise_save(enterprise)
