"""/profile/: the signed-in user's own page — who they are, the language they read the desk
in, a link to change their password (web.accounts), how they are told of things (quiet
hours, digest, e-mail and SMS per kind of event) and, for managers, the sheets sent to them on
schedule (subscriptions). Every form saves only its own part."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from notifications import preferences
from reports.audit import require_manager
from servicedesk.errors import DomainError
from servicedesk.models import User
from subscriptions import services as sheets
from subscriptions.models import Channel, Sheet

from .forms import LanguageForm, NotificationForm


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  login_required ran before
    return request.user


def remember_language(response: HttpResponseBase, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    prefs = preferences.settings_of(user)
    section = request.POST.get("section", "") if request.method == "POST" else ""
    language_form = LanguageForm(
        request.POST if section == "language" else None, initial={"language": translation.get_language()}
    )
    notification_form = NotificationForm(
        request.POST if section == "notifications" else None,
        user=user,
        choices=preferences.choices_of(user),
        initial={"quiet_start": prefs.quiet_start, "quiet_end": prefs.quiet_end, "daily_digest": prefs.daily_digest},
    )
    if section == "language" and language_form.is_valid():
        language = language_form.cleaned_data["language"]
        user.language = language
        user.save(update_fields=["language"])
        translation.activate(language)
        messages.success(request, _("The desk now speaks your language."))
        response = redirect("profile")
        remember_language(response, language)
        return response
    if section == "notifications" and notification_form.is_valid():
        data = notification_form.cleaned_data
        write, drop = notification_form.choices()
        preferences.save_preferences(
            user,
            quiet_start=data["quiet_start"],
            quiet_end=data["quiet_end"],
            daily_digest=data["daily_digest"],
            choices=write,
            cleared=drop,
        )
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("profile")
    sheet_rows, sheet_error = _sheet_rows(user), ""
    if section == "sheets" and sheet_rows is not None:
        sheet_error = _save_sheets(request, user)
        if not sheet_error:
            messages.success(request, _("Your sheets on schedule have been saved."))
            return redirect("profile")
    context = {
        "profile_user": user,
        "language_form": language_form,
        "notification_form": notification_form,
        "sheet_rows": sheet_rows,
        "sheet_error": sheet_error,
        "section": section,
    }
    return render(request, "web/profile.html", context, status=400 if section else 200)


# --- sheets on schedule (managers) -----------------------------------------------------------


def _sheet_rows(user: User) -> list[dict[str, object]] | None:
    """For a manager: one row per sheet, a box per channel (checked when subscribed)."""
    try:
        require_manager(user)
    except DomainError:
        return None
    mine = {(s.sheet, s.channel) for s in sheets.subscriptions_of(user)}
    return [
        {
            "label": sheet.label,
            "boxes": [
                {"name": f"sheet-{sheet.value}-{channel.value}", "label": channel.label, "on": (sheet, channel) in mine}
                for channel in Channel
            ],
        }
        for sheet in Sheet
    ]


def _save_sheets(request: HttpRequest, user: User) -> str:
    """Subscribes to the boxes checked and stops the others, all or nothing; the refusal's
    message, or ""."""
    wanted = {(s.value, c.value) for s in Sheet for c in Channel if request.POST.get(f"sheet-{s.value}-{c.value}")}
    try:
        with transaction.atomic():
            for subscription in sheets.subscriptions_of(user):
                if (subscription.sheet, subscription.channel) not in wanted:
                    sheets.unsubscribe(user=user, subscription_id=subscription.pk)
            for sheet, channel in sorted(wanted):
                sheets.subscribe(user=user, sheet=sheet, channel=channel)
    except DomainError as error:
        return str(error.message)
    return ""
