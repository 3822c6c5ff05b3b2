"""Passwords on the web, Django's own views in the site's layout: every signed-in user changes
their password; anyone resets a forgotten one by e-mail. A changed or reset password revokes
the user's API tokens. Reset mails are rate-limited per client address and per e-mail address;
the page answers the same whether the address is known, unknown or over its limit."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils import translation

from servicedesk import ratelimit, services
from servicedesk.lockout import client_address

logger = logging.getLogger(__name__)

TEMPLATES = "web/accounts/"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = TEMPLATES + "password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: auth_forms.PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)  # saved; this session stays signed in
        services.password_changed(user=form.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = TEMPLATES + "password_change_done.html"


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form; the mail is written in the language the user reads the desk in."""

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = getattr(context["user"], "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name
            )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = TEMPLATES + "password_reset_form.html"
    email_template_name = TEMPLATES + "password_reset_email.txt"
    subject_template_name = TEMPLATES + "password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    form_class = PasswordResetForm

    def form_valid(self, form: auth_forms.PasswordResetForm) -> HttpResponse:
        address = client_address(self.request)
        email = form.cleaned_data["email"].strip().casefold()
        window = settings.PASSWORD_RESET_RATE_WINDOW
        by_address = ratelimit.hit(
            "password-reset-address", address, limit=settings.PASSWORD_RESET_RATE_PER_ADDRESS, window=window
        )
        by_email = ratelimit.hit(
            "password-reset-email", email, limit=settings.PASSWORD_RESET_RATE_PER_EMAIL, window=window
        )
        if not (by_address and by_email):
            # the answer of a request that went through: nobody learns of the limit or the address
            logger.warning(
                "Password reset mail not sent: over the limit for %s (client address %s)",
                "this client address" if not by_address else "this e-mail address",
                address,
            )
            return HttpResponseRedirect(self.get_success_url())
        # the link names the desk's configured address, never the Host header of the request
        self.extra_email_context = {"base_url": settings.SERVICEDESK_BASE_URL.rstrip("/")}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = TEMPLATES + "password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = TEMPLATES + "password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: auth_forms.SetPasswordForm) -> HttpResponse:  # type: ignore[type-arg]
        response = super().form_valid(form)
        services.password_changed(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = TEMPLATES + "password_reset_complete.html"
