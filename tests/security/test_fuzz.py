"""Fuzzing the whole API from its OpenAPI document (schemathesis), in process, against the WSGI
application and a seeded world, as several roles at once.

For every operation, schemathesis generates requests that follow the schema (positive) and
requests that break it (negative); some of the ids in the paths are swapped for ids of real
objects, so that the requests reach the code behind the 404. Every response must:
- never be a 5xx (`not_a_server_error`);
- have a documented status code (`status_code_conformance`);
- have a documented content type and a body that validates against the documented schema
  (`content_type_conformance`, `response_schema_conformance`).

Every path of the schema also answers `OPTIONS` and `HEAD`, whatever methods it declares,
for every role and for an anonymous caller, with real ids and with ids that do not exist:
never a 5xx (`test_options_and_head_on_every_path_for_every_role`).

Bounded in `make test` (4 examples per operation and mode, the same every run); `make fuzz`
runs the same with FUZZ_EXAMPLES (default 100) new examples each run; FUZZ_SEED=<n> replays a
run, FUZZ_OPERATIONS=<regex> narrows it to some paths.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from servicedesk.services import api_token_create

from .conftest import Seeded

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
# The bounded run in `make test` is the same every time; `make fuzz` draws new cases each run
# (FUZZ_SEED=<n> replays one).
SEED = os.environ.get("FUZZ_SEED")
DERANDOMIZE = "FUZZ_EXAMPLES" not in os.environ and SEED is None
ONLY = re.compile(os.environ.get("FUZZ_OPERATIONS", ".*"))
ROLES = ("company", "other_company", "officer", "other_officer", "manager", "other_manager", "admin")


# Known deviations, each with its reason: the check named is skipped on that path only.
KNOWN: dict[str, tuple[Any, str]] = {}


def _not_a_server_error(ctx: Any, response: Any, case: Any) -> None:
    assert response.status_code < 500, f"{response.status_code} on {case.method} {case.formatted_path}"


CHECKS = [_not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _real_ids(s: Seeded) -> dict[str, list[object]]:
    """Ids of seeded objects, per the first path segment (and for the sub-resources)."""
    return {
        "users": [s.company_user, s.deputy],
        "parks": [s.park],
        "departments": [s.department, s.assist_department],
        "enterprises": [s.enterprise],
        "tickets": [s.ticket],
        "extensions": [s.extension],
        "assists": [s.assist],
        "supervision-orders": [s.supervision],
        "notifications": [s.notification],
        "visits": [s.visit],
        "replies": [s.reply],
        "policies": [s.policy],
        "report-subscriptions": [s.subscription],
        "code": [s.item],
        "attachment_id": [s.attachment],
        "photo_id": [s.photo],
    }


def _with_real_ids(case: Any, ids: dict[str, list[object]], pick: st.DataObject) -> None:
    if not case.path_parameters:
        return
    segment = case.operation.path.removeprefix("/api/v1/").split("/")[0]
    for name in list(case.path_parameters):
        pool = ids.get(segment if name in ("id", "pk") else name)
        if pool and pick.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = pick.draw(st.sampled_from(pool), label=name)


def _operations(schema: Any) -> list[Any]:
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if ONLY.search(operation.path):
            found.append(operation)
    return found


def _fuzz(operation: Any, mode: GenerationMode, tokens: dict[str, str], ids: dict[str, list[object]]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES), pick=st.data())
    def run(case: Any, role: str, pick: st.DataObject) -> None:
        _with_real_ids(case, ids, pick)
        known = KNOWN.get(operation.path)
        checks = [c for c in CHECKS if known is None or c is not known[0]]
        case.call_and_validate(headers={"Authorization": f"Token {tokens[role]}"}, checks=checks)

    if SEED is not None:
        run = seed(int(SEED))(run)
    run()


@pytest.fixture
def schema(seeded, _keep_the_connection):  # type: ignore[no-untyped-def]
    loaded = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    return loaded


@pytest.fixture
def _keep_the_connection(seeded):  # type: ignore[no-untyped-def]
    """As Django's test client does: a request's start and end must not close the database
    connection, which holds the test's transaction (the WSGI client sends both signals). After
    `seeded`, whose test-client requests connect the handler again when they finish."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_the_api_survives_fuzzing_and_keeps_to_its_schema(seeded, schema):
    tokens = {role: api_token_create(user=seeded.users[role])[1] for role in ROLES}
    ids = _real_ids(seeded)
    failures: list[str] = []
    operations = _operations(schema)
    assert operations, f"no operation matches FUZZ_OPERATIONS={ONLY.pattern!r}"
    if ONLY.pattern == ".*":
        assert len(operations) > 50  # the whole API, not a schema that lost its paths
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, tokens, ids)
            except Unsatisfiable:
                continue  # nothing to break in this mode (an operation without parameters)
            except (Exception, BaseExceptionGroup) as exc:  # collect them all, report at the end
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    assert not failures, f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures)


def _paths(schema: Any, ids: dict[str, list[object]]) -> list[str]:
    """Every path of the schema, once with real ids in it and once with ids nobody has."""
    paths: set[str] = set()
    for result in schema.get_all_operations():
        template = result.ok().path
        if not ONLY.search(template):
            continue
        segment = template.removeprefix("/api/v1/").split("/")[0]
        for real in (True, False):

            def fill(match: re.Match[str], real: bool = real, segment: str = segment) -> str:
                name = match.group(1)
                pool = ids.get(segment if name in ("id", "pk") else name) or []
                return str(pool[0]) if real and pool else "999999"

            paths.add(re.sub(r"\{(\w+)\}", fill, template))
    return sorted(paths)


def test_options_and_head_on_every_path_for_every_role(seeded, schema):
    tokens = {role: api_token_create(user=seeded.users[role])[1] for role in ROLES}
    paths = _paths(schema, _real_ids(seeded))
    if ONLY.pattern == ".*":
        assert "/api/v1/notifications/preferences/" in paths
        assert len(paths) > 50
    failures = []
    for role in (*ROLES, "anonymous"):
        client = APIClient()
        client.raise_request_exception = False
        if role in tokens:
            client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[role]}")
        for path in paths:
            for method in ("options", "head"):
                response = getattr(client, method)(path)
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} on {method.upper()} {path} as {role}")
    assert not failures, "\n".join(failures)


# Dates far from today in every form a date parameter takes: the last and first days the
# calendar knows, a week and a month out there, and a time stamp at the end of time.
FAR_DATES = ("9999-12-31", "0001-01-01", "9999-W52", "0001-W01", "9999-12", "9999-12-31T23:59:59Z", "1900-02-29")
DATE_NAMES = re.compile(r"(^|_)(at|date|day|week|month|from|to|since|until|after|before|start|end)($|_)")


def _date_parameters(document: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(path, parameter, the other parameters it needs) for every query parameter of a GET that
    is a date or reads as one (a report's `at` needs a `period`)."""
    found = []
    for path, item in document["paths"].items():
        get = item.get("get")
        if get is None or "{" in path or not ONLY.search(path):
            continue
        names = {parameter["name"] for parameter in get.get("parameters", [])}
        for parameter in get.get("parameters", []):
            schema = parameter.get("schema", {})
            dated = schema.get("format") in ("date", "date-time") or DATE_NAMES.search(parameter["name"])
            if parameter.get("in") == "query" and dated:
                needs = {"period": "month"} if parameter["name"] == "at" and "period" in names else {}
                found.append((path, parameter["name"], needs))
    return found


def test_far_dates_on_every_date_parameter(seeded):
    """Every date-like query parameter of every list and report, with far dates, as a manager
    and as an officer: never a 5xx, and a refusal is a 400 that names the parameter."""
    document = APIClient().get("/api/v1/schema/?format=json").json()
    parameters = _date_parameters(document)
    if ONLY.pattern == ".*":
        names = {name for _path, name, _needs in parameters}
        assert {"at", "week"} <= names, names  # the report and coverage parameters are found
    failures = []
    for role in ("manager", "officer"):
        client = APIClient()
        client.raise_request_exception = False
        client.force_authenticate(seeded.users[role])
        for path, name, needs in parameters:
            for value in FAR_DATES:
                response = client.get(path, {**needs, name: value})
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} on GET {path}?{name}={value} as {role}")
                elif response.status_code == 400 and name not in response.content.decode():
                    failures.append(f"400 without naming {name} on GET {path}?{name}={value}")
    assert not failures, "\n".join(failures)
