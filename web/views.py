"""Sign-in and the home page, which sends each role to its own start page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from servicedesk.models import User

START_PAGE: dict[str, str] = {
    User.Role.ENTERPRISE: "portal-home",
    User.Role.OFFICER: "work-queue",
    User.Role.MANAGER: "dashboard",
    User.Role.ADMIN: "dashboard",
}


class DeskAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, whose error does not claim that usernames are case-sensitive:
    here they are not (servicedesk.models.UserManager)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Note that the password is case-sensitive."),
    }


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = DeskAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        # The user's own language becomes the page language, until they switch it.
        language = getattr(form.get_user(), "language", "")
        if language and not self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


@login_required
def home(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  login_required guarantees it
    try:
        return redirect(reverse(START_PAGE[user.effective_role]))
    except (KeyError, NoReverseMatch):
        return render(request, "web/home.html")
