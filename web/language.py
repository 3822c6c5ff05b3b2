"""The language a signed-in user reads the desk in follows them from device to device.

Before anyone chooses, the browser's Accept-Language decides (Django's LocaleMiddleware). A
choice made with the language switch or on the profile page is stored on the user (and is the
language of their e-mail and SMS); on a device that has made no choice yet (no language
cookie), a stored choice other than the zone's default language wins over the browser. The
API is left alone: programs say what they want in Accept-Language."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils import translation

from servicedesk.models import User

from .profile.views import remember_language

_KNOWN = {code for code, _name in settings.LANGUAGES}


class UserLanguageMiddleware:
    """After AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        try:
            signed_in = isinstance(user, User)  # reads the session and the user
        except DatabaseError:
            # the database is away: let the view meet it, where it becomes the site's 503
            return self.get_response(request)
        if not signed_in or request.path.startswith("/api/"):
            return self.get_response(request)
        assert isinstance(user, User)  # noqa: S101  (signed_in)
        stored = user.language if user.language in _KNOWN and user.language != settings.LANGUAGE_CODE else None
        adopt = stored if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES else None
        if adopt is not None:
            translation.activate(adopt)
            request.LANGUAGE_CODE = adopt
        response = self.get_response(request)
        if adopt is not None:
            remember_language(response, adopt)
        if request.method == "POST" and request.path == reverse("set_language"):
            chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
            if chosen is not None and chosen.value in _KNOWN and chosen.value != user.language:
                user.language = chosen.value
                with contextlib.suppress(DatabaseError):  # the cookie holds the choice meanwhile
                    user.save(update_fields=["language"])
        return response
