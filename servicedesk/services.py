"""Changes to the organisation. Each validates the whole object before writing it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from . import clock
from .errors import Forbidden, Invalid, NotFound
from .models import ApiToken, Department, Enterprise, Park, ServiceItem, User
from .selectors import is_admin, is_zone_manager

_TAKEN = _("A user with that username already exists.")


def _manager_may_scope(
    actor: User, *, park: Park | None, department: Department | None, enterprise: Enterprise | None
) -> bool:
    """May this manager create or edit something attached to these scope objects? Every
    object given must lie inside the manager's scope, not just the first one looked at."""
    if is_admin(actor) or is_zone_manager(actor):
        return True
    if actor.role != User.Role.MANAGER:
        return False
    if actor.park_id:
        if park is not None and park.pk != actor.park_id:
            return False
        if department is not None and department.park_id != actor.park_id:
            return False
        if enterprise is not None and enterprise.park_id != actor.park_id:
            return False
        return any(obj is not None for obj in (park, department, enterprise))
    if actor.department_id:
        return department is not None and department.pk == actor.department_id and enterprise is None and park is None
    return False


def user_validate(*, user: User, password: str) -> None:
    """Raise Invalid with field errors unless this new user (not yet saved) and its password
    are acceptable: the model's rules, a free username, a strong password, and no scope
    field that its role does not use."""
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if user.role == User.Role.ENTERPRISE and user.department_id:
        errors.setdefault("department", []).append(str(_("An enterprise user does not belong to a department.")))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise Invalid(_("The user is not valid."), detail=errors)


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
        raise Forbidden(_("Only administrators may create administrators."))
    superior = is_admin(actor) or is_zone_manager(actor)
    own_park = bool(actor.park_id and park is not None and park.pk == actor.park_id and department is None)
    if role == User.Role.MANAGER and not (superior or own_park):
        raise Forbidden(_("You may create managers only within your own scope."))
    if not _manager_may_scope(actor, park=park, department=department, enterprise=enterprise):
        raise Forbidden(_("That enterprise, department or park is outside your scope."))
    user = User(username=username, role=role, enterprise=enterprise, department=department, park=park, **extra)
    if role == User.Role.ADMIN:
        # The administrator's place is the Django admin (the catalogue, calendar, policies):
        # staff, with every permission, as the admin role means everywhere else.
        user.is_staff = user.is_superuser = True
    user_validate(user=user, password=password)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent request took the username between the check and the insert
        raise Invalid(_("The user is not valid."), detail={"username": [str(_TAKEN)]}) from exc
    return user


def _enterprise_save(enterprise: Enterprise) -> Enterprise:
    try:
        enterprise.full_clean()
    except ValidationError as exc:
        raise Invalid(_("The enterprise is not valid."), detail=exc.message_dict) from exc
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as exc:  # a concurrent request took the credit code
        raise Invalid(
            _("The enterprise is not valid."),
            detail={"credit_code": [str(_("An enterprise with this credit code exists already."))]},
        ) from exc
    return enterprise


@transaction.atomic
def enterprise_create(*, actor: User, **fields: Any) -> Enterprise:
    enterprise = Enterprise(**fields)
    if not _manager_may_scope(actor, park=enterprise.park, department=None, enterprise=None):
        raise Forbidden(_("That park is outside your scope."))
    return _enterprise_save(enterprise)


@transaction.atomic
def enterprise_update(*, actor: User, enterprise_id: int, **fields: Any) -> Enterprise:
    """Both the park the enterprise is in and the park it moves to must be in the actor's scope."""
    enterprise = Enterprise.objects.select_related("park").select_for_update(of=("self",)).get(pk=enterprise_id)
    if not _manager_may_scope(actor, park=enterprise.park, department=None, enterprise=None):
        raise Forbidden(_("That enterprise is outside your scope."))
    for name, value in fields.items():
        setattr(enterprise, name, value)
    if not _manager_may_scope(actor, park=enterprise.park, department=None, enterprise=None):
        raise Forbidden(_("That park is outside your scope."))
    return _enterprise_save(enterprise)


def _service_item_save(item: ServiceItem) -> ServiceItem:
    try:
        item.full_clean()
    except ValidationError as exc:
        raise Invalid(_("The service item is not valid."), detail=exc.message_dict) from exc
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:  # a concurrent request took the code
        raise Invalid(
            _("The service item is not valid."),
            detail={"code": [str(_("A service item with this code exists already."))]},
        ) from exc
    return item


def _require_catalogue_editor(actor: User) -> None:
    if not (is_admin(actor) or is_zone_manager(actor)):
        raise Forbidden(_("Only zone managers and administrators may change the catalogue."))


@transaction.atomic
def service_item_create(*, actor: User, **fields: Any) -> ServiceItem:
    _require_catalogue_editor(actor)
    return _service_item_save(ServiceItem(**fields))


@transaction.atomic
def service_item_update(*, actor: User, item_id: int, **fields: Any) -> ServiceItem:
    """`fields` may hold a new `code`: the item is found by its id."""
    _require_catalogue_editor(actor)
    item = ServiceItem.objects.select_for_update().get(pk=item_id)
    for name, value in fields.items():
        setattr(item, name, value)
    return _service_item_save(item)


# --- API tokens and passwords ------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for the user (one per device or script) and its key, which is not stored.
    The user's expired tokens go at the same time, and so do their least recently used ones
    beyond API_TOKEN_MAX_PER_USER."""
    ApiToken.objects.filter(user=user, expires_at__lte=clock.now()).delete()
    token, key = ApiToken.new(user_id=user.pk, name=name)
    token.save()
    keep = settings.API_TOKEN_MAX_PER_USER
    surplus = ApiToken.objects.filter(user=user).order_by("-last_used_at", "-id").values_list("pk", flat=True)[keep:]
    if surplus:
        ApiToken.objects.filter(pk__in=list(surplus)).delete()
    return token, key


def api_token_revoke(*, user: User, token_id: int) -> None:
    """Delete one of the user's own tokens; anyone else's is NotFound, as a missing one."""
    deleted, _kinds = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise NotFound(_("No such token."))


def api_tokens_revoke_all(*, user: User, keep_id: int | None = None) -> int:
    """Delete the user's tokens (all but `keep_id`, the one the request came with); how many."""
    tokens = ApiToken.objects.filter(user=user)
    if keep_id is not None:
        tokens = tokens.exclude(pk=keep_id)
    deleted, _kinds = tokens.delete()
    return deleted


def password_changed(*, user: User, keep_token_id: int | None = None) -> None:
    """After any change of the user's password (their own, a reset, the admin): every API token
    they hold stops working, but the one the change was made with."""
    api_tokens_revoke_all(user=user, keep_id=keep_token_id)


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str, keep_token_id: int | None = None) -> None:
    """The user's own password change: the current password, then Django's validators."""
    if not user.check_password(old_password):
        raise Invalid(
            _("The password is not valid."),
            detail={"old_password": [str(_("Your old password was entered incorrectly. Please enter it again."))]},
        )
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise Invalid(_("The password is not valid."), detail={"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    password_changed(user=user, keep_token_id=keep_token_id)
