"""What every workspace page shares: the role gate, paging, and domain errors on forms."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase

from servicedesk.errors import DomainError
from servicedesk.models import User
from servicedesk.selectors import is_admin

PAGE_SIZE = 20

View = Callable[..., HttpResponseBase]


def actor(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required ran before
        raise PermissionDenied
    return user


def is_staff_user(user: User) -> bool:
    return is_admin(user) or user.role in (User.Role.OFFICER, User.Role.MANAGER)


def is_manager(user: User) -> bool:
    return is_admin(user) or user.role == User.Role.MANAGER


def staff_required(view: View) -> View:
    """Signed in (else the sign-in page), and an officer, a manager or an admin (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_staff_user(actor(request)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def page_of(request: HttpRequest, rows: QuerySet[Any], *, param: str = "page") -> Page[Any]:
    """One page of `rows` (a bad or too-high page number gives the first or last page)."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get(param))


def errors_to_form(form: forms.Form, error: DomainError) -> None:
    """A service's `Invalid(detail={field: [messages]})` shown next to the form's fields; what
    does not name a field of the form goes on top of the form."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    placed = False
    for field, messages in detail.items():
        if field in form.fields and isinstance(messages, list):
            for message in messages:
                form.add_error(field, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.message)
