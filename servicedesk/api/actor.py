from __future__ import annotations

from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from servicedesk.models import User


def actor_of(request: Request) -> User:
    """The signed-in user. Views run behind IsAuthenticated, so this only narrows the type;
    an anonymous caller that got this far is still refused with 401."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
