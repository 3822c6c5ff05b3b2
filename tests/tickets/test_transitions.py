"""Every transition for every role, through the API: who may (2xx, the new status, exactly one
event of the right kind and visibility), who may not inside the scope (403), who is outside
it (404), and that a refused move changes nothing. Then the rules of the single moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.forms.models import model_to_dict

from servicedesk.errors import Conflict, Invalid
from tests.factories import ManagerFactory, OfficerFactory
from tickets import services
from tickets.models import AssistRequest, EventKind, ExtensionRequest, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

HOUR = 60 * 60
DAY = 24 * HOUR

IN_SCOPE = ["assignee", "owner", "deputy", "company", "park_manager", "zone_manager", "dept_head", "admin"]
OUT_OF_SCOPE = ["other_company", "other_park_manager", "stranger_officer", "other_dept_head"]


@dataclass
class Scene:
    """A ticket of `world.enterprise`, transferred by the park manager from the chief (its
    owner, 首问) to another officer of the same department (its assignee)."""

    world: Any
    ticket: Ticket
    people: dict[str, Any]

    def refresh(self) -> Ticket:
        self.ticket.refresh_from_db()
        return self.ticket


def _file(world: Any, actor: Any = None, **overrides: Any) -> Ticket:
    fields: dict[str, Any] = {
        "title": "用电报装",
        "description": "新厂房需要接入 10kV 电源",
        "kind": "help",
        "service_item": world.item,
        "priority": "normal",
    }
    fields.update(overrides)
    return services.ticket_create(actor=actor or world.company, **fields)


@pytest.fixture
def scene(world) -> Scene:
    ticket = _file(world)
    services.ticket_transfer(
        ticket_id=ticket.pk, actor=world.park_manager, to_officer=world.other_officer, reason="分派"
    )
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.owner, ticket.department) == (world.other_officer, world.chief, world.service_dept)
    people = {
        "assignee": world.other_officer,
        "owner": world.chief,
        "deputy": world.deputy,
        "company": world.company,
        "park_manager": world.park_manager,
        "zone_manager": world.zone_manager,
        "dept_head": ManagerFactory(department=world.service_dept),
        "admin": world.admin,
        "other_company": world.other_company,
        "other_park_manager": world.other_park_manager,
        "stranger_officer": OfficerFactory(department=world.service_dept),
        "other_dept_head": world.dept_head,
        "power_officer": world.power_officer,
    }
    return Scene(world=world, ticket=ticket, people=people)


def bring(scene: Scene, status: str) -> Ticket:
    """Walk the scene's ticket to `status` with the services."""
    t, w, assignee = scene.ticket, scene.world, scene.people["assignee"]
    if status == "withdrawn":
        services.ticket_withdraw(ticket_id=t.pk, actor=w.company)
    if status in ("in_progress", "waiting_on_enterprise", "resolved", "closed"):
        services.ticket_accept(ticket_id=t.pk, actor=assignee)
    if status == "waiting_on_enterprise":
        services.ticket_suspend(ticket_id=t.pk, actor=assignee, reason="等待企业补充图纸")
    if status in ("resolved", "closed"):
        services.ticket_resolve(ticket_id=t.pk, actor=assignee, resolution="已送电")
    if status == "closed":
        services.ticket_rate(ticket_id=t.pk, actor=w.company, score=4)
    return scene.refresh()


def snapshot(ticket_id: int) -> tuple[dict[str, Any], int, int, int]:
    ticket = Ticket.objects.get(pk=ticket_id)
    return (
        model_to_dict(ticket, exclude=[]) | {"updated_at": ticket.updated_at},
        TicketEvent.objects.filter(ticket_id=ticket_id).count(),
        ExtensionRequest.objects.filter(ticket_id=ticket_id).exclude(status="pending").count(),
        AssistRequest.objects.filter(ticket_id=ticket_id).count(),
    )


@dataclass(frozen=True)
class Move:
    start: str
    may: tuple[str, ...]
    new_status: str
    event: str
    public: bool
    code: int = 200
    body: tuple[tuple[str, Any], ...] = ()
    target: str = "ticket"  # or "extension" / "assist"


# Every transition: its starting status, who (in scope) may take it, the outcome.
MANAGERS = ("park_manager", "zone_manager", "dept_head", "admin")
MOVES: dict[str, Move] = {
    "accept": Move("submitted", ("assignee", *MANAGERS), "in_progress", EventKind.ACCEPTED, True),
    "return": Move("submitted", ("assignee",), "submitted", EventKind.RETURNED, False, body=(("reason", "非本部门"),)),
    "reply": Move("in_progress", tuple(IN_SCOPE), "in_progress", EventKind.REPLIED, True, 201, (("body", "收到"),)),
    "note": Move(
        "in_progress",
        ("assignee", "owner", "deputy", *MANAGERS),
        "in_progress",
        EventKind.NOTED,
        False,
        201,
        (("body", "内部"),),
    ),
    "transfer": Move(
        "in_progress",
        ("assignee", "owner", *MANAGERS),
        "in_progress",
        EventKind.TRANSFERRED,
        False,
        body=(("to_department", "power"), ("reason", "供电部门办理")),
    ),
    "assist": Move(
        "in_progress",
        ("assignee", *MANAGERS),
        "in_progress",
        EventKind.ASSIST_REQUESTED,
        False,
        201,
        (("department", "power"), ("request", "请协助勘察")),
    ),
    "suspend": Move(
        "in_progress",
        ("assignee", *MANAGERS),
        "waiting_on_enterprise",
        EventKind.SUSPENDED,
        True,
        body=(("reason", "等图纸"),),
    ),
    "resume": Move("waiting_on_enterprise", ("assignee", "company", *MANAGERS), "in_progress", EventKind.RESUMED, True),
    "resolve": Move(
        "in_progress", ("assignee", *MANAGERS), "resolved", EventKind.RESOLVED, True, body=(("resolution", "已送电"),)
    ),
    "withdraw": Move("submitted", ("company", "admin"), "withdrawn", EventKind.WITHDRAWN, True),
    "rate": Move("resolved", ("company",), "closed", EventKind.RATED, True, body=(("score", 5), ("comment", "满意"))),
    "reopen": Move(
        "resolved", ("company", *MANAGERS), "in_progress", EventKind.REOPENED, True, body=(("reason", "没修好"),)
    ),
    "extend": Move(
        "in_progress",
        ("assignee",),
        "in_progress",
        EventKind.EXTENSION_REQUESTED,
        False,
        201,
        (("new_resolve_due_at", "later"), ("reason", "需要供电局排期")),
    ),
    "approve": Move("in_progress", MANAGERS, "in_progress", EventKind.EXTENSION_APPROVED, True, target="extension"),
    "reject": Move(
        "in_progress",
        MANAGERS,
        "in_progress",
        EventKind.EXTENSION_REJECTED,
        False,
        body=(("reason", "理由不充分"),),
        target="extension",
    ),
    # 协办: only the asked department (its officers, its head) and admins answer.
    "answer": Move("in_progress", ("admin",), "in_progress", EventKind.ASSIST_ANSWERED, False, target="assist"),
}


def _prepare(scene: Scene, name: str) -> tuple[str, dict[str, Any]]:
    """Bring the ticket to the move's start; the URL and body of the move."""
    move = MOVES[name]
    ticket = bring(scene, move.start)
    body: dict[str, Any] = {}
    for key, value in move.body:
        if value == "power":
            value = scene.world.power_dept.pk
        elif value == "later":
            value = (ticket.resolve_due_at + timedelta(days=3)).isoformat()
        body[key] = value
    if move.target == "extension":
        extension = services.extension_request(
            ticket_id=ticket.pk,
            actor=scene.people["assignee"],
            new_resolve_due_at=ticket.resolve_due_at + timedelta(days=3),
            reason="需要供电局排期",
        )
        return f"/api/v1/extensions/{extension.pk}/{name}/", body
    if move.target == "assist":
        assist = services.ticket_assist(
            ticket_id=ticket.pk, actor=scene.people["assignee"], department=scene.world.power_dept, request="请协助"
        )
        return f"/api/v1/assists/{assist.pk}/answer/", {"answer": "已勘察，可接入"}
    return f"/api/v1/tickets/{ticket.pk}/{name}/", body


# The asked department's head is in scope for an assist answer (see the test after this one).
CASES = [(n, r) for n in MOVES for r in IN_SCOPE + OUT_OF_SCOPE if (n, r) != ("answer", "other_dept_head")]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_every_move_for_every_role(scene, api_as, name, role):
    move = MOVES[name]
    url, body = _prepare(scene, name)
    tid = scene.ticket.pk
    before = snapshot(tid)
    events_before = list(TicketEvent.objects.filter(ticket_id=tid).values_list("pk", flat=True))

    response = api_as(scene.people[role]).post(url, body, format="json")

    if role in move.may:
        assert response.status_code == move.code, response.content
        assert scene.refresh().status == move.new_status
        new = TicketEvent.objects.filter(ticket_id=tid).exclude(pk__in=events_before)
        assert [(e.kind, e.public, e.actor_id) for e in new] == [(move.event, move.public, scene.people[role].pk)]
    else:
        assert response.status_code == (404 if role in OUT_OF_SCOPE else 403), response.content
        assert snapshot(tid) == before


@pytest.mark.parametrize("role", ["power_officer", "other_dept_head", "admin"])
def test_the_asked_department_answers_an_assist(scene, api_as, role):
    url, body = _prepare(scene, "answer")
    response = api_as(scene.people[role]).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["answered_by"] == scene.people[role].pk
    assert TicketEvent.objects.filter(ticket=scene.ticket).last().kind == EventKind.ASSIST_ANSWERED
    # answered once only
    again = api_as(scene.people[role]).post(url, body, format="json")
    assert again.status_code == 409


# --- refusals in the wrong status: 409, nothing changed --------------------------------

WRONG_STATUS = [
    ("accept", "in_progress", "assignee"),
    ("return", "in_progress", "assignee"),
    ("reply", "closed", "assignee"),
    ("transfer", "resolved", "park_manager"),
    ("assist", "submitted", "assignee"),
    ("suspend", "submitted", "assignee"),
    ("resume", "in_progress", "assignee"),
    ("resolve", "waiting_on_enterprise", "assignee"),
    ("resolve", "submitted", "assignee"),
    ("withdraw", "in_progress", "company"),
    ("rate", "in_progress", "company"),
    ("rate", "closed", "company"),
    ("reopen", "in_progress", "company"),
    ("reopen", "withdrawn", "admin"),
    ("extend", "submitted", "assignee"),
    ("extend", "resolved", "assignee"),
]


@pytest.mark.parametrize(("name", "status", "role"), WRONG_STATUS, ids=[f"{n}-{s}" for n, s, _ in WRONG_STATUS])
def test_a_move_from_the_wrong_status_is_409_and_changes_nothing(scene, api_as, name, status, role):
    ticket = bring(scene, status)
    body = dict(MOVES[name].body)
    body.update(
        {k: scene.world.power_dept.pk for k, v in body.items() if v == "power"}
        | {k: (ticket.resolve_due_at + timedelta(days=3)).isoformat() for k, v in body.items() if v == "later"}
    )
    before = snapshot(ticket.pk)
    response = api_as(scene.people[role]).post(f"/api/v1/tickets/{ticket.pk}/{name}/", body, format="json")
    assert response.status_code == 409, response.content
    assert snapshot(ticket.pk) == before


# --- empty reasons and bodies: 400, nothing changed -------------------------------------

BLANK = [
    ("return", "submitted", "reason"),
    ("reply", "in_progress", "body"),
    ("note", "in_progress", "body"),
    ("transfer", "in_progress", "reason"),
    ("assist", "in_progress", "request"),
    ("suspend", "in_progress", "reason"),
    ("resolve", "in_progress", "resolution"),
    ("reopen", "resolved", "reason"),
    ("extend", "in_progress", "reason"),
]


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
@pytest.mark.parametrize(("name", "status", "field"), BLANK, ids=[b[0] for b in BLANK])
def test_a_blank_text_is_400_and_changes_nothing(scene, api_as, name, status, field, blank):
    ticket = bring(scene, status)
    move = MOVES[name]
    role = move.may[0]
    body = dict(move.body)
    body = {
        k: scene.world.power_dept.pk
        if v == "power"
        else (ticket.resolve_due_at + timedelta(days=3)).isoformat()
        if v == "later"
        else v
        for k, v in body.items()
    }
    body[field] = blank
    before = snapshot(ticket.pk)
    response = api_as(scene.people[role]).post(f"/api/v1/tickets/{ticket.pk}/{name}/", body, format="json")
    assert response.status_code == 400, response.content
    assert snapshot(ticket.pk) == before


SERVICE_BLANKS = [
    ("return", "submitted", lambda t, p, w, x: services.ticket_return(ticket_id=t, actor=p, reason=x)),
    ("reply", "in_progress", lambda t, p, w, x: services.ticket_reply(ticket_id=t, actor=p, body=x)),
    ("note", "in_progress", lambda t, p, w, x: services.ticket_note(ticket_id=t, actor=p, body=x)),
    ("suspend", "in_progress", lambda t, p, w, x: services.ticket_suspend(ticket_id=t, actor=p, reason=x)),
    ("resolve", "in_progress", lambda t, p, w, x: services.ticket_resolve(ticket_id=t, actor=p, resolution=x)),
    (
        "transfer",
        "in_progress",
        lambda t, p, w, x: services.ticket_transfer(ticket_id=t, actor=p, reason=x, to_department=w.power_dept),
    ),
    (
        "assist",
        "in_progress",
        lambda t, p, w, x: services.ticket_assist(ticket_id=t, actor=p, department=w.power_dept, request=x),
    ),
]


@pytest.mark.parametrize(("name", "status", "call"), SERVICE_BLANKS, ids=[b[0] for b in SERVICE_BLANKS])
def test_services_refuse_whitespace_texts(scene, name, status, call):
    ticket = bring(scene, status)
    before = snapshot(ticket.pk)
    with pytest.raises(Invalid):
        call(ticket.pk, scene.people["assignee"], scene.world, " \n ")
    assert snapshot(ticket.pk) == before
    assert scene.refresh().status == status


# --- the rules of the single moves ------------------------------------------------------


def test_return_within_the_acceptance_window_leaves_it_to_a_manager(scene, api_as):
    tid = scene.ticket.pk
    response = api_as(scene.people["assignee"]).post(f"/api/v1/tickets/{tid}/return/", {"reason": "不属本人"})
    assert response.status_code == 200, response.content
    ticket = scene.refresh()
    assert ticket.assignee is None
    assert ticket.status == "submitted"
    assert ticket.returned_at is not None
    # nobody can accept an unassigned ticket: a manager dispatches it first
    assert api_as(scene.world.park_manager).post(f"/api/v1/tickets/{tid}/accept/").status_code == 409
    transfer = {"to_officer": scene.world.deputy.pk, "reason": "改派"}
    assert api_as(scene.world.park_manager).post(f"/api/v1/tickets/{tid}/transfer/", transfer).status_code == 200
    assert api_as(scene.world.deputy).post(f"/api/v1/tickets/{tid}/accept/").status_code == 200


def test_return_past_the_acceptance_window_is_409(scene, api_as, clock):
    ticket = scene.ticket
    assert ticket.accept_due_at is not None
    clock.move_to(ticket.accept_due_at + timedelta(minutes=1))
    before = snapshot(ticket.pk)
    response = api_as(scene.people["assignee"]).post(f"/api/v1/tickets/{ticket.pk}/return/", {"reason": "不属本人"})
    assert response.status_code == 409
    assert snapshot(ticket.pk) == before


def test_return_needs_a_reason(scene, api_as):
    response = api_as(scene.people["assignee"]).post(f"/api/v1/tickets/{scene.ticket.pk}/return/", {})
    assert response.status_code == 400
    assert "reason" in str(response.json())


def test_transfer_to_an_officer_keeps_the_owner_and_moves_the_department(scene, api_as):
    tid = bring(scene, "in_progress").pk
    response = api_as(scene.people["assignee"]).post(
        f"/api/v1/tickets/{tid}/transfer/", {"to_officer": scene.world.power_officer.pk, "reason": "供电"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assignee"] == scene.world.power_officer.pk
    assert body["owner"] == scene.world.chief.pk
    assert body["department"] == scene.world.power_dept.pk
    event = TicketEvent.objects.filter(ticket_id=tid).last()
    assert event.data["from_assignee"] == scene.people["assignee"].pk
    assert event.data["to_assignee"] == scene.world.power_officer.pk


def test_transfer_to_a_department_picks_its_least_loaded_active_officer(scene, world, api_as):
    # power_officer (lowest id) carries one open ticket; a fresh officer carries none; one is on leave.
    busy = _file(world, actor=world.company)
    services.ticket_transfer(ticket_id=busy.pk, actor=world.admin, to_officer=world.power_officer, reason="x")
    OfficerFactory(department=world.power_dept, on_leave=True)
    OfficerFactory(department=world.power_dept, is_active=False)
    fresh = OfficerFactory(department=world.power_dept)
    tid = bring(scene, "in_progress").pk
    response = api_as(world.park_manager).post(
        f"/api/v1/tickets/{tid}/transfer/", {"to_department": world.power_dept.pk, "reason": "供电"}
    )
    assert response.status_code == 200, response.content
    ticket = scene.refresh()
    assert (ticket.assignee, ticket.department, ticket.owner) == (fresh, world.power_dept, world.chief)


def test_transfer_to_an_unavailable_officer_is_400(scene, world, api_as):
    away = OfficerFactory(department=world.power_dept, on_leave=True)
    before = snapshot(scene.ticket.pk)
    response = api_as(world.park_manager).post(
        f"/api/v1/tickets/{scene.ticket.pk}/transfer/", {"to_officer": away.pk, "reason": "x"}
    )
    assert response.status_code == 400
    assert snapshot(scene.ticket.pk) == before


def test_an_officers_first_reply_is_the_first_response_once(scene, api_as, clock):
    tid = bring(scene, "in_progress").pk
    assert api_as(scene.world.company).post(f"/api/v1/tickets/{tid}/reply/", {"body": "请尽快"}).status_code == 201
    assert scene.refresh().first_response_at is None
    clock.shift(HOUR)
    assert api_as(scene.people["assignee"]).post(f"/api/v1/tickets/{tid}/reply/", {"body": "收到"}).status_code == 201
    first = scene.refresh().first_response_at
    assert first is not None
    clock.shift(HOUR)
    assert api_as(scene.world.deputy).post(f"/api/v1/tickets/{tid}/reply/", {"body": "补充"}).status_code == 201
    assert scene.refresh().first_response_at == first


def test_suspend_and_resume_push_the_deadline_by_the_paused_working_time(scene, api_as, clock):
    ticket = bring(scene, "in_progress")
    due, version = ticket.resolve_due_at, ticket.deadline_version
    assert due.isoformat() == "2026-11-24T02:00:00+00:00"  # Tue 24 Nov 10:00 Shanghai
    assignee = api_as(scene.people["assignee"])
    assert assignee.post(f"/api/v1/tickets/{ticket.pk}/suspend/", {"reason": "等图纸"}).status_code == 200
    clock.shift(2 * HOUR)  # 10:00 → 12:00: two working hours
    response = api_as(scene.world.company).post(f"/api/v1/tickets/{ticket.pk}/resume/")
    assert response.status_code == 200, response.content
    assert response.json()["resolve_due_at"] == "2026-11-24T12:00:00+08:00"
    ticket = scene.refresh()
    assert ticket.deadline_version == version + 1
    assert ticket.suspended_at is None


def test_suspend_over_the_night_pushes_by_working_time_only(scene, api_as, clock):
    ticket = bring(scene, "in_progress")
    clock.shift(7 * HOUR)  # Tue 17:00
    assert (
        api_as(scene.people["assignee"]).post(f"/api/v1/tickets/{ticket.pk}/suspend/", {"reason": "等"}).status_code
        == 200
    )
    clock.shift(17 * HOUR)  # Wed 10:00: 30 min Tue + 1 h Wed
    response = api_as(scene.people["assignee"]).post(f"/api/v1/tickets/{ticket.pk}/resume/")
    assert response.json()["resolve_due_at"] == "2026-11-24T11:30:00+08:00"


def test_resume_that_moves_the_deadline_past_now_clears_overdue(scene, clock):
    ticket = bring(scene, "in_progress")
    Ticket.objects.filter(pk=ticket.pk).update(overdue=True)
    services.ticket_suspend(ticket_id=ticket.pk, actor=scene.people["assignee"], reason="等")
    clock.shift(HOUR)
    ticket = services.ticket_resume(ticket_id=ticket.pk, actor=scene.people["assignee"])
    assert ticket.resolve_due_at > ticket.updated_at
    assert scene.refresh().overdue is False


# extensions


def _extend(scene: Scene, api_as: Any, *, days: float = 2, reason: str = "排期") -> Any:
    ticket = scene.refresh()
    new = (ticket.resolve_due_at + timedelta(days=days)).isoformat()
    return api_as(scene.people["assignee"]).post(
        f"/api/v1/tickets/{ticket.pk}/extend/", {"new_resolve_due_at": new, "reason": reason}, format="json"
    )


def test_an_approved_extension_moves_the_deadline(scene, api_as):
    ticket = bring(scene, "in_progress")
    due, version = ticket.resolve_due_at, ticket.deadline_version
    response = _extend(scene, api_as, days=3)
    assert response.status_code == 201, response.content
    assert scene.refresh().resolve_due_at == due  # nothing moves before the decision
    approved = api_as(scene.world.park_manager).post(f"/api/v1/extensions/{response.json()['id']}/approve/")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    ticket = scene.refresh()
    assert ticket.resolve_due_at == due + timedelta(days=3)
    assert ticket.extension_count == 1
    assert ticket.deadline_version == version + 1


def test_a_rejected_extension_changes_no_deadline(scene, api_as):
    ticket = bring(scene, "in_progress")
    response = _extend(scene, api_as)
    rejected = api_as(scene.world.zone_manager).post(
        f"/api/v1/extensions/{response.json()['id']}/reject/", {"reason": "不予延期"}
    )
    assert rejected.status_code == 200, rejected.content
    after = scene.refresh()
    assert (after.resolve_due_at, after.extension_count) == (ticket.resolve_due_at, 0)
    # a rejection needs a reason; a decided request is not decided again
    ext2 = _extend(scene, api_as).json()["id"]
    assert (
        api_as(scene.world.zone_manager).post(f"/api/v1/extensions/{ext2}/reject/", {"reason": " "}).status_code == 400
    )
    assert api_as(scene.world.zone_manager).post(f"/api/v1/extensions/{ext2}/approve/").status_code == 200
    assert (
        api_as(scene.world.zone_manager).post(f"/api/v1/extensions/{ext2}/reject/", {"reason": "x"}).status_code == 409
    )


def test_one_pending_extension_at_a_time(scene, api_as):
    bring(scene, "in_progress")
    assert _extend(scene, api_as).status_code == 201
    before = snapshot(scene.ticket.pk)
    assert _extend(scene, api_as, days=4).status_code == 409
    assert snapshot(scene.ticket.pk) == before
    assert ExtensionRequest.objects.filter(ticket=scene.ticket).count() == 1


def test_at_most_max_extensions_approved(scene, api_as):
    bring(scene, "in_progress")
    for _ in range(3):
        ext = _extend(scene, api_as).json()["id"]
        assert api_as(scene.world.park_manager).post(f"/api/v1/extensions/{ext}/approve/").status_code == 200
    assert scene.refresh().extension_count == 3
    before = snapshot(scene.ticket.pk)
    assert _extend(scene, api_as).status_code == 409
    assert snapshot(scene.ticket.pk) == before


def test_the_extension_limit_comes_from_the_policy(scene, api_as):
    from tickets.models import SlaPolicy

    SlaPolicy.objects.create(name="strict", max_extensions=1)
    bring(scene, "in_progress")
    ext = _extend(scene, api_as).json()["id"]
    assert api_as(scene.world.park_manager).post(f"/api/v1/extensions/{ext}/approve/").status_code == 200
    assert _extend(scene, api_as).status_code == 409


def test_an_extension_must_be_asked_before_the_deadline(scene, api_as, clock):
    ticket = bring(scene, "in_progress")
    clock.move_to(ticket.resolve_due_at + timedelta(minutes=1))
    before = snapshot(ticket.pk)
    assert _extend(scene, api_as).status_code == 409
    assert snapshot(ticket.pk) == before


@pytest.mark.parametrize("days", [0, -1])
def test_an_extension_must_be_later_than_the_deadline(scene, api_as, days):
    bring(scene, "in_progress")
    before = snapshot(scene.ticket.pk)
    assert _extend(scene, api_as, days=days).status_code == 400
    assert snapshot(scene.ticket.pk) == before


def test_approving_a_stale_extension_never_moves_the_deadline_earlier(scene, api_as, clock):
    """Asked for +1 h, then a long pause pushed the deadline by days: approving is refused."""
    bring(scene, "in_progress")
    ext = _extend(scene, api_as, days=1 / 24).json()["id"]
    services.ticket_suspend(ticket_id=scene.ticket.pk, actor=scene.people["assignee"], reason="等")
    clock.shift(2 * DAY)
    services.ticket_resume(ticket_id=scene.ticket.pk, actor=scene.people["assignee"])
    before = snapshot(scene.ticket.pk)
    response = api_as(scene.world.park_manager).post(f"/api/v1/extensions/{ext}/approve/")
    assert response.status_code == 409, response.content
    assert snapshot(scene.ticket.pk) == before


# rating, reopening, withdrawal


@pytest.mark.parametrize("score", [0, 6, -1, "five", None])
def test_a_rating_is_1_to_5(scene, api_as, score):
    ticket = bring(scene, "resolved")
    before = snapshot(ticket.pk)
    response = api_as(scene.world.company).post(f"/api/v1/tickets/{ticket.pk}/rate/", {"score": score}, format="json")
    assert response.status_code == 400
    assert snapshot(ticket.pk) == before


def test_rate_service_refuses_out_of_range(scene):
    ticket = bring(scene, "resolved")
    with pytest.raises(Invalid):
        services.ticket_rate(ticket_id=ticket.pk, actor=scene.world.company, score=9)
    assert scene.refresh().status == "resolved"


def test_rating_closes_the_ticket(scene, api_as):
    ticket = bring(scene, "resolved")
    response = api_as(scene.world.company).post(f"/api/v1/tickets/{ticket.pk}/rate/", {"score": 2, "comment": "慢"})
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["rating"] == 2
    ticket = scene.refresh()
    assert ticket.closed_at is not None
    assert ticket.ratings.get().score == 2


def test_a_closed_ticket_reopens_within_seven_days(scene, api_as, clock):
    ticket = bring(scene, "closed")
    clock.shift(7 * DAY - 60)
    response = api_as(scene.world.company).post(f"/api/v1/tickets/{ticket.pk}/reopen/", {"reason": "又停电了"})
    assert response.status_code == 200, response.content
    ticket = scene.refresh()
    assert (ticket.status, ticket.reopen_count, ticket.rating, ticket.closed_at) == ("in_progress", 1, None, None)
    # and after a second resolution it can be rated again
    services.ticket_resolve(ticket_id=ticket.pk, actor=scene.people["assignee"], resolution="再次送电")
    services.ticket_rate(ticket_id=ticket.pk, actor=scene.world.company, score=5)
    assert ticket.ratings.count() == 2


def test_a_closed_ticket_does_not_reopen_after_seven_days(scene, api_as, clock):
    ticket = bring(scene, "closed")
    clock.shift(7 * DAY + 60)
    before = snapshot(ticket.pk)
    response = api_as(scene.world.company).post(f"/api/v1/tickets/{ticket.pk}/reopen/", {"reason": "又停电了"})
    assert response.status_code == 409
    assert snapshot(ticket.pk) == before


def test_reopen_gives_a_new_deadline_version(scene, api_as, clock):
    ticket = bring(scene, "resolved")
    version = ticket.deadline_version
    clock.shift(DAY)
    api_as(scene.world.park_manager).post(f"/api/v1/tickets/{ticket.pk}/reopen/", {"reason": "复查未通过"})
    ticket = scene.refresh()
    assert ticket.deadline_version == version + 1
    assert ticket.resolved_at is None
    assert ticket.resolve_due_at.isoformat() == "2026-11-25T02:00:00+00:00"  # Wed 18 + 5 working days


def test_withdraw_only_while_submitted(scene, api_as):
    tid = scene.ticket.pk
    response = api_as(scene.world.company).post(f"/api/v1/tickets/{tid}/withdraw/", {"reason": "已自行解决"})
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["closed_at"] is not None
    before = snapshot(tid)
    assert api_as(scene.world.company).post(f"/api/v1/tickets/{tid}/withdraw/").status_code == 409
    assert api_as(scene.world.company).post(f"/api/v1/tickets/{tid}/reply/", {"body": "x"}).status_code == 409
    assert snapshot(tid) == before


# visibility of the audit trail


def test_internal_events_never_reach_the_enterprise(scene, api_as, world):
    tid = bring(scene, "in_progress").pk
    assignee = scene.people["assignee"]
    services.ticket_note(ticket_id=tid, actor=assignee, body="内部：企业资料不全")
    services.ticket_reply(ticket_id=tid, actor=assignee, body="已安排勘察")
    services.ticket_assist(ticket_id=tid, actor=assignee, department=world.power_dept, request="请协助")
    services.extension_request(
        ticket_id=tid, actor=assignee, new_resolve_due_at=scene.refresh().resolve_due_at + timedelta(days=1), reason="r"
    )
    staff = api_as(assignee).get(f"/api/v1/tickets/{tid}/events/").json()
    public = api_as(world.company).get(f"/api/v1/tickets/{tid}/events/").json()
    assert {"noted", "transferred", "assist_requested", "extension_requested"} <= {e["kind"] for e in staff}
    assert [e["kind"] for e in public] == ["created", "accepted", "replied"]
    assert all(e["public"] for e in public)
    assert "内部" not in str(public)


def test_service_refusals_raise_domain_errors(scene):
    ticket = bring(scene, "in_progress")
    with pytest.raises(Conflict):
        services.ticket_accept(ticket_id=ticket.pk, actor=scene.people["assignee"])
    with pytest.raises(Conflict):
        services.ticket_withdraw(ticket_id=ticket.pk, actor=scene.world.company)
