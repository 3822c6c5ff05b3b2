"""Help while a ticket is written (portal and 代办 forms): the three most likely service
items and the similar open tickets in the writer's scope, as an htmx fragment. Nothing is
pre-selected: the writer picks the service."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from servicedesk.models import User
from triage.routing import suggest
from triage.similar import similar_open_tickets

MAX_TITLE = 200
MAX_DESCRIPTION = 20000


@login_required
@require_POST
def draft_help(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    title = str(request.POST.get("title") or "")[:MAX_TITLE]
    description = str(request.POST.get("description") or "")[:MAX_DESCRIPTION]
    found = suggest(title, description)
    park_id = user.enterprise.park_id if user.role == User.Role.ENTERPRISE and user.enterprise else user.park_id
    similar = similar_open_tickets(user, title=title, description=description, park_id=park_id)
    context = {
        "suggestions": [{"item": s, "percent": round(s.confidence * 100)} for s in found.suggestions],
        "reason": found.reason,
        "similar": similar,
    }
    return render(request, "tickets/_draft_help.html", context)
