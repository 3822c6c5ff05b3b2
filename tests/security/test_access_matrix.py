"""The access matrix: every endpoint and method of /api/v1/, tried by every kind of caller.

DESIGN.md's rules: 401 for an anonymous caller, 404 for an object outside the caller's scope
(exactly as for an object that does not exist), 403 for a role that may not do it inside the
scope, and otherwise the request is served (2xx, or 409 when the object's status does not allow
the move). Each request runs in a savepoint that is rolled back, so every caller meets the same
seeded world. An endpoint or method the URL resolver knows and the table does not fails
`test_every_endpoint_and_method_is_in_the_matrix` with its name: new endpoints must be listed.

Run it alone: `pytest tests/security/test_access_matrix.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import PASSWORD, credit_code

from .conftest import PDF, PNG, ROLES, Seeded

pytestmark = pytest.mark.django_db

OK = "ok"  # served: 2xx, or 409 when the status does not allow the move (nothing changed)
OK_CODES = {200, 201, 204, 409}
API_PREFIX = "api/v1/"


def row(*expected: int | str) -> dict[str, int | str]:
    """One row of the matrix: the expected answer per caller, in the order of ROLES."""
    assert len(expected) == len(ROLES)
    return dict(zip(ROLES, expected, strict=True))


#                           anon company other_co officer other_of manager other_mg admin
PUBLIC = row(OK, OK, OK, OK, OK, OK, OK, OK)
SIGNED_IN = row(401, OK, OK, OK, OK, OK, OK, OK)
SCOPED_READ = row(401, OK, 404, OK, 404, OK, 404, OK)
HANDLER = row(401, 403, 404, OK, 404, OK, 404, OK)  # the assignee, a manager in scope, admin
ASSIGNEE_ONLY = row(401, 403, 404, OK, 404, 403, 404, 403)
STAFF = row(401, 403, 404, OK, 404, OK, 404, OK)
EVERYONE_IN_SCOPE = row(401, OK, 404, OK, 404, OK, 404, OK)
SUPERVISOR = row(401, 403, 404, 403, 404, OK, 404, OK)
MANAGERS = row(401, 403, 403, 403, 403, OK, OK, OK)
ZONE_MANAGER = row(401, 403, 403, 403, 403, 403, 403, OK)  # park managers may not edit the catalogue
STAFF_ROLES = row(401, 403, 403, OK, OK, OK, OK, OK)
STAFF_IN_SCOPE = row(401, 404, 404, OK, 404, OK, 404, OK)  # not even the company's own
PUBLISHED_IN_A = row(401, OK, 404, OK, OK, OK, OK, OK)  # a published guide of A's park
ARTICLE_EDITOR = row(401, 403, 404, OK, 403, OK, 403, OK)  # its author, A's park manager, admin
POLICY_EDITOR = row(401, 403, 404, 403, 403, OK, 403, OK)  # A's park manager (its park's policy), admin
OWN_REPLY = row(401, 403, 403, OK, 404, 404, 404, OK)  # the officer's personal canned reply
PRAISE_GIVERS = row(401, OK, 404, 403, 404, OK, 404, OK)  # the enterprise served, a manager, admin
OWN_SUBSCRIPTION = row(401, 403, 403, 403, 403, OK, 404, 404)  # A's park manager's own
ADMIN_ONLY = row(401, 403, 403, 403, 403, 403, 403, OK)
OWN_TOKEN = row(401, OK, 404, 404, 404, 404, 404, 404)  # the company user's API token: not even admin's


@dataclass(frozen=True)
class Case:
    expected: dict[str, int | str]
    body: Callable[[Seeded], dict[str, Any]] | None = None
    multipart: bool = False
    why: str = ""
    ids: dict[str, str] = field(default_factory=dict)


def _none(s: Seeded) -> dict[str, Any]:
    return {}


def _pdf(s: Seeded) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("补充材料.pdf", PDF, content_type="application/pdf"), "public": True}


def _png(s: Seeded) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("现场2.png", PNG, content_type="image/png")}


# (route, method) → expectation. {pk} and the other URL parameters are filled from the seeded
# world by the route's prefix (see _url).
MATRIX: dict[tuple[str, str], Case] = {
    ("auth/token/", "POST"): Case(
        PUBLIC, lambda s: {"username": s.users["company"].username, "password": PASSWORD}, why="login is public"
    ),
    ("auth/logout/", "POST"): Case(SIGNED_IN, why="revokes the request's token, or ends its session"),
    ("auth/password/", "POST"): Case(
        SIGNED_IN,
        lambda s: {"old_password": PASSWORD, "new_password": "a-long-and-unusual-passphrase"},
        why="everyone changes their own password",
    ),
    ("auth/tokens/", "GET"): Case(SIGNED_IN, why="each caller's own tokens"),
    ("auth/tokens/{pk}/", "DELETE"): Case(OWN_TOKEN, why="the company user's token: nobody else's to revoke"),
    ("", "GET"): Case(SIGNED_IN, why="the router's index of the API"),
    ("schema/", "GET"): Case(PUBLIC, why="the API description holds no data"),
    ("docs/", "GET"): Case(PUBLIC, why="the page of the API description"),
    # --- organisation ---
    ("users/", "GET"): Case(SIGNED_IN, why="scoped list: others see themselves only"),
    ("users/", "POST"): Case(
        row(401, 403, 403, 403, 403, OK, 404, OK),
        lambda s: {
            "username": "new-user",
            "password": "a-long-and-unusual-passphrase",
            "role": "enterprise",
            "enterprise": s.enterprise,
        },
        why="managers and admins; an enterprise outside the manager's scope is not found",
    ),
    ("users/me/", "GET"): Case(SIGNED_IN),
    ("users/{pk}/", "GET"): Case(
        row(401, OK, 404, 404, 404, OK, 404, OK), why="A's user: themself, managers in scope, admins"
    ),
    ("parks/", "GET"): Case(SIGNED_IN),
    ("parks/{pk}/", "GET"): Case(SIGNED_IN),
    ("departments/", "GET"): Case(SIGNED_IN),
    ("departments/{pk}/", "GET"): Case(SIGNED_IN),
    ("enterprises/", "GET"): Case(SIGNED_IN),
    ("enterprises/", "POST"): Case(
        row(401, 403, 403, 403, 403, OK, 403, OK),
        lambda s: {
            "name": "新企业有限公司",
            "credit_code": credit_code(987654),
            "park": s.park,
            "chief_officer": s.users["officer"].pk,
        },
        why="park (in their park) and zone managers, admins; parks are public, so another park is 403",
    ),
    ("enterprises/{pk}/", "GET"): Case(SCOPED_READ),
    ("enterprises/{pk}/", "PATCH"): Case(row(401, 403, 404, 403, 404, OK, 404, OK), lambda s: {"industry": "制造"}),
    ("service-items/", "GET"): Case(SIGNED_IN),
    ("service-items/", "POST"): Case(
        ZONE_MANAGER,
        lambda s: {
            "code": "new-item",
            "name": "新事项",
            "department": s.department,
            "accept_limit": "1d",
            "resolve_limit": "5d",
            "clock": "working",
        },
    ),
    ("service-items/{code}/", "GET"): Case(SIGNED_IN, why="the catalogue is public to everyone signed in"),
    ("service-items/{code}/", "PATCH"): Case(ZONE_MANAGER, lambda s: {"name": "用电报装（新）"}),
    # --- tickets ---
    ("tickets/", "GET"): Case(SIGNED_IN, why="scoped list"),
    ("tickets/similar/", "POST"): Case(
        SIGNED_IN, lambda s: {"title": "用电报装", "description": "厂房接电"}, why="open tickets in the caller's scope"
    ),
    ("tickets/{pk}/similar/", "GET"): Case(SCOPED_READ),
    ("triage/", "POST"): Case(SIGNED_IN, lambda s: {"title": "用电报装", "description": "厂房接电"}),
    ("tickets/", "POST"): Case(
        row(401, OK, 404, OK, 404, OK, 404, OK),
        lambda s: {
            "title": "再报一件",
            "description": "说明",
            "kind": "help",
            "service_item": s.item,
            "priority": "normal",
            "enterprise": s.enterprise,
        },
        why="filing for enterprise A: its user, the officers serving it, managers in scope",
    ),
    ("tickets/{pk}/", "GET"): Case(SCOPED_READ),
    ("tickets/{pk}/accept/", "POST"): Case(HANDLER, _none),
    ("tickets/{pk}/return/", "POST"): Case(ASSIGNEE_ONLY, lambda s: {"reason": "不属于本部门"}),
    ("tickets/{pk}/reply/", "POST"): Case(EVERYONE_IN_SCOPE, lambda s: {"body": "你好"}),
    ("tickets/{pk}/note/", "POST"): Case(STAFF, lambda s: {"body": "内部"}),
    ("tickets/{pk}/transfer/", "POST"): Case(HANDLER, lambda s: {"to_officer": s.deputy, "reason": "调整"}),
    ("tickets/{pk}/assist/", "POST"): Case(
        HANDLER, lambda s: {"department": s.assist_department, "request": "再请协助"}
    ),
    ("tickets/{pk}/suspend/", "POST"): Case(HANDLER, lambda s: {"reason": "等待材料"}),
    ("tickets/{pk}/resume/", "POST"): Case(row(401, OK, 404, OK, 404, OK, 404, OK), _none),
    ("tickets/{pk}/resolve/", "POST"): Case(HANDLER, lambda s: {"resolution": "已办结"}),
    ("tickets/{pk}/withdraw/", "POST"): Case(row(401, OK, 404, 403, 404, 403, 404, OK), lambda s: {"reason": "不要了"}),
    ("tickets/{pk}/rate/", "POST"): Case(
        row(401, OK, 404, 403, 404, 403, 404, 403), lambda s: {"score": 5, "comment": "好"}
    ),
    ("tickets/{pk}/reopen/", "POST"): Case(row(401, OK, 404, 403, 404, OK, 404, OK), lambda s: {"reason": "没解决"}),
    ("tickets/{pk}/extend/", "POST"): Case(
        ASSIGNEE_ONLY, lambda s: {"new_resolve_due_at": "2026-12-15T10:00:00+08:00", "reason": "等设备"}
    ),
    ("tickets/{pk}/review-rating/", "POST"): Case(SUPERVISOR, lambda s: {"verdict": "valid", "reason": "属实"}),
    ("tickets/{pk}/return-visit/", "POST"): Case(
        HANDLER, lambda s: {"method": "phone", "result": "满意", "satisfied": True}
    ),
    ("tickets/{pk}/link/", "POST"): Case(HANDLER, lambda s: {"ticket": s.second_ticket}),
    ("tickets/{pk}/merge/", "POST"): Case(
        HANDLER, lambda s: {"into": s.second_ticket, "reason": "重复诉求"}, why="its carrier or a manager of it"
    ),
    ("tickets/{pk}/praise/", "POST"): Case(PRAISE_GIVERS, lambda s: {"kind": "letter", "note": "感谢信"}),
    ("tickets/{pk}/events/", "GET"): Case(SCOPED_READ),
    ("tickets/{pk}/attachments/", "GET"): Case(SCOPED_READ),
    ("tickets/{pk}/attachments/", "POST"): Case(EVERYONE_IN_SCOPE, _pdf, multipart=True),
    ("tickets/{pk}/attachments/{attachment_id}/", "GET"): Case(SCOPED_READ),
    ("extensions/", "GET"): Case(SIGNED_IN),
    ("extensions/{pk}/", "GET"): Case(SCOPED_READ),
    ("extensions/{pk}/approve/", "POST"): Case(SUPERVISOR, lambda s: {"reason": "同意"}),
    ("extensions/{pk}/reject/", "POST"): Case(SUPERVISOR, lambda s: {"reason": "不同意"}),
    ("assists/", "GET"): Case(SIGNED_IN),
    ("assists/{pk}/", "GET"): Case(SCOPED_READ),
    ("assists/{pk}/answer/", "POST"): Case(
        row(401, 403, 404, 403, 404, 403, 404, OK), lambda s: {"answer": "可以"}, why="only the asked department"
    ),
    ("supervision-orders/", "GET"): Case(STAFF_ROLES),
    ("supervision-orders/", "POST"): Case(
        row(401, 403, 403, 403, 404, OK, 404, OK), lambda s: {"ticket": s.ticket, "reason": "再督办"}
    ),
    ("supervision-orders/{pk}/", "GET"): Case(row(401, 403, 403, OK, 404, OK, 404, OK)),
    ("supervision-orders/{pk}/answer/", "POST"): Case(
        row(401, 403, 403, OK, 404, 403, 404, 403), lambda s: {"answer": "已落实"}, why="the handling officer"
    ),
    # --- the inbox: one's own rows only ---
    ("notifications/", "GET"): Case(SIGNED_IN),
    ("notifications/unread-count/", "GET"): Case(SIGNED_IN),
    ("notifications/preferences/", "GET"): Case(SIGNED_IN),
    ("notifications/preferences/", "PUT"): Case(SIGNED_IN, lambda s: {"daily_digest": True}),
    ("notifications/{pk}/read/", "POST"): Case(row(401, OK, 404, 404, 404, 404, 404, 404), _none),
    # --- group robots: administrators only ---
    ("robots/", "GET"): Case(ADMIN_ONLY),
    ("robots/", "POST"): Case(
        ADMIN_ONLY,
        lambda s: {
            "name": "群",
            "kind": "feishu",
            "park": s.park,
            "url": "https://open.feishu.cn/open-apis/bot/v2/hook/x",
        },
    ),
    ("robots/{pk}/", "GET"): Case(ADMIN_ONLY),
    ("robots/{pk}/", "PUT"): Case(
        ADMIN_ONLY, lambda s: {"name": "群", "kind": "wecom", "department": s.department, "active": False}
    ),
    ("robots/{pk}/", "PATCH"): Case(ADMIN_ONLY, lambda s: {"active": False}),
    ("robots/{pk}/", "DELETE"): Case(ADMIN_ONLY),
    ("robots/{pk}/test/", "POST"): Case(ADMIN_ONLY, _none, why="nothing listens on port 9: sent false"),
    # --- visits ---
    # --- (the visit log is the officers' and managers': 404 for enterprise users, everywhere)
    ("visits/", "GET"): Case(row(401, 404, 404, OK, OK, OK, OK, OK)),
    ("visits/", "POST"): Case(
        row(401, 404, 404, OK, 404, OK, 404, OK),
        lambda s: {"enterprise": s.enterprise, "visited_at": "2026-11-16T15:00:00+08:00", "summary": "回访"},
    ),
    ("visits/coverage/", "GET"): Case(row(401, 404, 404, OK, OK, OK, OK, OK)),
    ("visits/{pk}/", "GET"): Case(STAFF_IN_SCOPE),
    ("visits/{pk}/photos/", "POST"): Case(STAFF_IN_SCOPE, _png, multipart=True),
    ("visits/{pk}/photos/{photo_id}/", "GET"): Case(STAFF_IN_SCOPE),
    # --- reports ---
    ("reports/officers/", "GET"): Case(MANAGERS, lambda s: {"period": "month"}),
    ("reports/service-items/", "GET"): Case(MANAGERS, lambda s: {"period": "month"}),
    ("reports/departments/", "GET"): Case(MANAGERS, lambda s: {"period": "month"}),
    ("reports/parks/", "GET"): Case(MANAGERS, lambda s: {"period": "month"}),
    ("reports/hotspots/", "GET"): Case(MANAGERS, lambda s: {"period": "month"}),
    # --- the knowledge base: A's park's published guide, written by A's chief officer ---
    ("articles/", "GET"): Case(SIGNED_IN, why="published ones in the reader's park and the zone; drafts by scope"),
    ("articles/", "POST"): Case(STAFF_ROLES, lambda s: {"title": "新指南", "body": "正文"}),
    ("articles/from-ticket/", "POST"): Case(
        row(401, 403, 403, OK, 404, OK, 404, OK), lambda s: {"ticket": s.ticket}, why="writers, a ticket in scope"
    ),
    ("articles/suggest/", "POST"): Case(SIGNED_IN, lambda s: {"title": "用电报装", "description": "材料"}),
    ("articles/{pk}/", "GET"): Case(PUBLISHED_IN_A, why="published: every officer and manager reads it"),
    ("articles/{pk}/", "PATCH"): Case(ARTICLE_EDITOR, lambda s: {"body": "新的材料清单"}),
    ("articles/{pk}/publish/", "POST"): Case(ARTICLE_EDITOR, _none),
    ("articles/{pk}/archive/", "POST"): Case(ARTICLE_EDITOR, _none),
    ("articles/{pk}/unpublish/", "POST"): Case(ARTICLE_EDITOR, _none),
    ("articles/{pk}/restore/", "POST"): Case(ARTICLE_EDITOR, lambda s: {"version": 1}),
    ("articles/{pk}/versions/", "GET"): Case(ARTICLE_EDITOR, why="the history is the writers'"),
    ("articles/{pk}/attachments/", "POST"): Case(ARTICLE_EDITOR, _pdf, multipart=True),
    ("articles/{pk}/attachments/{attachment_id}/", "GET"): Case(PUBLISHED_IN_A),
    ("articles/{pk}/solved/", "POST"): Case(
        row(401, OK, 404, 403, 403, 403, 403, 403), _none, why="an enterprise that can read it"
    ),
    # --- support policies: a published policy of A's park ---
    ("policies/", "GET"): Case(SIGNED_IN, why="published ones of the reader's park and the zone; drafts by scope"),
    ("policies/", "POST"): Case(
        MANAGERS,
        lambda s: {
            "title": "专精特新奖励",
            "issuer": "经济发展局",
            "summary": "奖励新认定企业",
            "benefit": "10万元",
            "service_item": s.item,
            "effective_from": "2026-01-01",
            "conditions": {"qualifications": ["srdi"]},
        },
        why="park managers (their park) and zone managers, admins",
    ),
    ("policies/{pk}/", "GET"): Case(PUBLISHED_IN_A),
    ("policies/{pk}/", "PATCH"): Case(POLICY_EDITOR, lambda s: {"title": "改"}, why="its park's, the zone's managers"),
    ("policies/{pk}/publish/", "POST"): Case(POLICY_EDITOR, _none, why="published already: 409"),
    ("policies/{pk}/archive/", "POST"): Case(POLICY_EDITOR, _none),
    ("policies/{pk}/matches/", "GET"): Case(
        row(401, 403, 404, OK, OK, OK, OK, OK), why="staff who read it; the rows are their own enterprises"
    ),
    ("policies/{pk}/outcome/", "POST"): Case(
        HANDLER,
        lambda s: {"enterprise": s.enterprise, "outcome": "granted", "decided_on": "2026-11-17"},
        why="A has not applied in the seeded world: 409 for the application's officer and managers in scope",
    ),
    ("policies/{pk}/events/", "GET"): Case(
        row(401, 403, 404, OK, OK, OK, OK, OK), why="staff who read it; outcomes only of their own enterprises"
    ),
    ("policies/{pk}/apply/", "POST"): Case(
        EVERYONE_IN_SCOPE, lambda s: {"enterprise": s.enterprise}, why="A itself, or staff for an enterprise in scope"
    ),
    ("enterprises/{pk}/policies/", "GET"): Case(SCOPED_READ),
    ("enterprises/{pk}/profile/", "GET"): Case(SCOPED_READ),
    ("enterprises/{pk}/profile/", "PATCH"): Case(
        HANDLER,
        lambda s: {"size_class": "small"},
        why="A's officers, managers; of A's users only one given the profile permission (tests/policies)",
    ),
    ("enterprises/{pk}/profile/changes/", "GET"): Case(SCOPED_READ),
    # --- canned replies: A's chief officer's personal one ---
    ("replies/", "GET"): Case(STAFF_ROLES, why="own and the department's; enterprises have none"),
    ("replies/", "POST"): Case(
        STAFF_ROLES, lambda s: {"title": "材料齐全", "body": "您好，{enterprise}的材料已收齐。"}
    ),
    ("replies/{pk}/", "GET"): Case(OWN_REPLY),
    ("replies/{pk}/", "PATCH"): Case(OWN_REPLY, lambda s: {"title": "已受理（新）"}),
    ("replies/{pk}/", "DELETE"): Case(OWN_REPLY),
    ("replies/{pk}/render/", "POST"): Case(OWN_REPLY, lambda s: {"ticket": s.ticket}),
    # --- sheets on schedule: A's park manager's weekly dispatch sheet by e-mail ---
    ("report-subscriptions/", "GET"): Case(MANAGERS),
    ("report-subscriptions/", "POST"): Case(MANAGERS, lambda s: {"sheet": "bulletin", "channel": "email"}),
    ("report-subscriptions/{pk}/", "DELETE"): Case(OWN_SUBSCRIPTION),
}

# The id each {pk} stands for, by the route's first segment.
PK_OF: dict[str, Callable[[Seeded], object]] = {
    "users": lambda s: s.company_user,
    "parks": lambda s: s.park,
    "departments": lambda s: s.department,
    "enterprises": lambda s: s.enterprise,
    "tickets": lambda s: s.ticket,
    "extensions": lambda s: s.extension,
    "assists": lambda s: s.assist,
    "supervision-orders": lambda s: s.supervision,
    "notifications": lambda s: s.notification,
    "visits": lambda s: s.visit,
    "articles": lambda s: s.article,
    "robots": lambda s: s.robot,
    "replies": lambda s: s.reply,
    "policies": lambda s: s.policy,
    "auth": lambda s: s.token,
    "report-subscriptions": lambda s: s.subscription,
}


def _template(pattern: str) -> str:
    """`^tickets/(?P<pk>[^/.]+)/$` → `tickets/{pk}/`."""
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    return text.removeprefix("^").removesuffix("$").replace("\\", "")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        here = prefix + _template(str(entry.pattern))
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, here)
        elif isinstance(entry, URLPattern):
            yield here, entry.callback


def _methods(callback: Any) -> set[str]:
    actions = getattr(callback, "actions", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    allowed = set(getattr(view_class, "http_method_names", []))
    names = set(actions) if actions is not None else {m for m in allowed if hasattr(view_class, m)}
    return {m.upper() for m in names & allowed} - {"HEAD", "OPTIONS"}


def api_endpoints() -> set[tuple[str, str]]:
    """Every (route, method) under /api/v1/ (the `.json` format suffixes go to the same views)."""
    found: set[tuple[str, str]] = set()
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(API_PREFIX) or "format" in route:
            continue
        for method in _methods(callback):
            found.add((route.removeprefix(API_PREFIX), method))
    return found


def test_every_endpoint_and_method_is_in_the_matrix():
    endpoints = api_endpoints()
    missing = sorted(endpoints - MATRIX.keys())
    stale = sorted(MATRIX.keys() - endpoints)
    assert not missing, f"endpoints missing from the access matrix (add a row to MATRIX): {missing}"
    assert not stale, f"rows of the access matrix with no endpoint (remove them): {stale}"


def _url(route: str, s: Seeded) -> str:
    values = {
        "pk": PK_OF[route.split("/")[0]](s) if "{pk}" in route else "",
        "code": s.item,
        "attachment_id": s.article_attachment if route.startswith("articles/") else s.attachment,
        "photo_id": s.photo,
    }
    return "/" + API_PREFIX + route.format(**values)


def _call(s: Seeded, role: str, route: str, method: str, case: Case) -> tuple[int, bytes]:
    """One request in a savepoint that is rolled back: every caller meets the same world."""
    cache.clear()  # throttle counters
    client = s.client(role)
    body = case.body(s) if case.body else None
    kwargs: dict[str, Any] = {"format": "multipart" if case.multipart else "json"} if body is not None else {}
    with transaction.atomic():
        response = getattr(client, method.lower())(_url(route, s), body, **kwargs)
        # a download's content, read to the end, closes its file (and not the DB connection)
        content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
        transaction.set_rollback(True)
    return response.status_code, content


@pytest.mark.parametrize(("route", "method"), sorted(MATRIX), ids=[f"{m} {r}" for r, m in sorted(MATRIX)])
def test_access_matrix(seeded, route, method):
    case = MATRIX[(route, method)]
    wrong = []
    for role in ROLES:
        status, content = _call(seeded, role, route, method, case)
        expected = case.expected[role]
        good = status in OK_CODES if expected == OK else status == expected
        if not good:
            wrong.append(f"{role}: expected {expected}, got {status} {content[:200]!r}")
    assert not wrong, f"{method} /{API_PREFIX}{route}:\n" + "\n".join(wrong)


def test_outside_the_scope_answers_exactly_like_a_missing_object(seeded):
    """The 404 body for an object outside the scope is the body for an id that never existed."""
    client = seeded.client("other_company")
    for (route, method), case in sorted(MATRIX.items()):
        if "{" not in route or case.expected["other_company"] != 404:
            continue
        hidden_status, hidden = _call(seeded, "other_company", route, method, case)
        missing_route = route.replace("{pk}", "987654321", 1)
        missing = Case(case.expected, case.body, case.multipart)
        values = {"code": seeded.item, "attachment_id": seeded.attachment, "photo_id": seeded.photo}
        with transaction.atomic():
            url = "/" + API_PREFIX + missing_route.format(**values)
            body = missing.body(seeded) if missing.body else None
            kwargs: dict[str, Any] = {"format": "multipart" if missing.multipart else "json"} if body else {}
            response = getattr(client, method.lower())(url, body, **kwargs)
            transaction.set_rollback(True)
        assert (hidden_status, hidden) == (response.status_code, response.content), (method, route)


def test_undeclared_methods_are_refused_cleanly(seeded):
    """Every route answers a method it does not declare with 405 (401 first for an anonymous
    caller where sign-in is required), never a 500 or a change."""
    by_route: dict[str, set[str]] = {}
    for route, method in MATRIX:
        by_route.setdefault(route, set()).add(method)
    for route, declared in sorted(by_route.items()):
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - declared):
            case = Case(row(*([OK] * len(ROLES))))
            admin_status, _ = _call(seeded, "admin", route, method, case)
            anonymous_status, _ = _call(seeded, "anonymous", route, method, case)
            assert admin_status == 405, (method, route, admin_status)
            assert anonymous_status in (401, 405), (method, route, anonymous_status)
