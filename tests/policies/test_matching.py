"""Matching a policy to the enterprises that qualify (政策找企业): a table of enterprises and
policies checks the matched set exactly — each condition and its boundaries, the policy's park,
expired and not-yet-effective policies — and publishing tells each match once, also when the
match task runs again; the number of queries does not grow with the number of enterprises."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification, NotificationChannel, NotificationStatus
from policies import services, tasks
from policies.models import PolicyMatch
from tests.factories import EnterpriseFactory, EnterpriseUserFactory, OfficerFactory

from .conftest import TODAY, profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(world):
    """Six enterprises: E1, E2, E4 and E6 in park A (world.park), E3 and E5 in park B; the
    world's own two (WA in park A, WB in park B) have no attributes, like E5."""
    a, b = world.park, world.other_park
    ents = {name: EnterpriseFactory(park=park, name=f"{name}有限公司") for name, park in [
        ("E1", a), ("E2", a), ("E3", b), ("E4", a), ("E5", b), ("E6", a)]}  # fmt: skip
    profile(ents["E1"], code="C3981", size="small", tags=("high-tech", "srdi"), registered=date(2020, 11, 17))
    profile(ents["E2"], code="C3990", size="micro", registered=date(2023, 11, 18))  # 2 years and 364 days
    profile(ents["E3"], code="I6510", size="medium", tags=("tech-sme",), registered=date(2010, 1, 1))
    profile(ents["E4"], code="C2614", size="large", tags=("high-tech",), registered=date(2025, 6, 1))
    # E5 has no profile: it meets no condition on an attribute, only park conditions
    profile(ents["E6"], code="C39", size="small", tags=("high-tech",), registered=date(2023, 11, 17))  # 3 years today
    return ents


DAY = timedelta(days=1)
CASES = [
    # (id, park A?, conditions, window, expected)
    ("park", True, {}, None, {"E1", "E2", "E4", "E6", "WA"}),
    ("zone, no condition", False, {}, None, {"E1", "E2", "E3", "E4", "E5", "E6", "WA", "WB"}),
    ("parks condition", False, {"parks": "B"}, None, {"E3", "E5", "WB"}),
    ("industry prefix", False, {"industry": ["C39"]}, None, {"E1", "E2", "E6"}),
    ("industry prefixes", False, {"industry": ["C398", "I65"]}, None, {"E1", "E3"}),
    ("industry section", False, {"industry": ["c"]}, None, {"E1", "E2", "E4", "E6"}),
    ("size", False, {"size": ["small", "micro"]}, None, {"E1", "E2", "E6"}),
    ("one qualification", False, {"qualifications": ["high-tech"]}, None, {"E1", "E4", "E6"}),
    ("every qualification", False, {"qualifications": ["high-tech", "srdi"]}, None, {"E1"}),
    ("years_min boundary", False, {"years_min": 3}, None, {"E1", "E3", "E6"}),
    ("years_max boundary", False, {"years_max": 2}, None, {"E2", "E4"}),
    ("years exactly 2", False, {"years_min": 2, "years_max": 2}, None, {"E2"}),
    ("years 0", False, {"years_max": 0}, None, set()),
    ("combined", True, {"industry": ["C"], "size": ["small"], "qualifications": ["high-tech"], "years_min": 3},
     None, {"E1", "E6"}),
    ("expired yesterday", False, {}, (date(2026, 1, 1), TODAY - DAY), set()),
    ("starts tomorrow", False, {}, (TODAY + DAY, None), set()),
    ("ends today", False, {"size": ["medium"]}, (date(2026, 1, 1), TODAY), {"E3"}),
    ("starts today, open-ended", False, {"size": ["large"]}, (TODAY, None), {"E4"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("park_a", "conditions", "window", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_matched_set_is_exactly_the_qualifying_enterprises(
    world, table, make_policy, park_a, conditions, window, expected
):
    if conditions.get("parks") == "B":
        conditions = {"parks": [world.other_park.pk]}
    fields = {"effective_from": window[0], "effective_to": window[1]} if window else {}
    policy = make_policy(park=world.park if park_a else None, conditions=conditions, **fields)

    services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)

    labels = {e.pk: name for name, e in table.items()} | {world.enterprise.pk: "WA", world.other_enterprise.pk: "WB"}
    matched = {labels[pk] for pk in PolicyMatch.objects.filter(policy=policy).values_list("enterprise", flat=True)}
    assert matched == expected
    policy.refresh_from_db()
    assert {labels[pk] for pk in services.eligible_enterprises(policy).values_list("pk", flat=True)} == expected


def test_a_draft_or_archived_policy_matches_nobody(world, table, make_policy):
    policy = make_policy()
    assert not services.eligible_enterprises(policy).exists()
    services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)
    services.policy_archive(actor=world.zone_manager, policy_id=policy.pk)
    policy.refresh_from_db()
    assert not services.eligible_enterprises(policy).exists()
    assert services.policy_match(policy_id=policy.pk) == 0


def test_publishing_tells_each_match_and_its_chief_officer_once_even_when_the_task_runs_twice(
    world, table, make_policy, django_capture_on_commit_callbacks
):
    user = EnterpriseUserFactory(enterprise=table["E1"], email="e1@example.com")
    chief = table["E1"].chief_officer
    policy = make_policy(conditions={"qualifications": ["high-tech", "srdi"]})

    with django_capture_on_commit_callbacks(execute=False):
        services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)
        assert tasks.policy_match(policy.pk) == 0
        assert tasks.policy_match(policy.pk) == 0

    rows = Notification.objects.filter(event_kind="policy_matched", channel=NotificationChannel.INBOX)
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted([user.pk, chief.pk])
    assert rows.filter(topic_type="policy", topic_id=policy.pk).count() == 2
    match = PolicyMatch.objects.get(policy=policy)
    assert match.enterprise_id == table["E1"].pk and match.notified_at is not None
    assert "E1有限公司" in rows.first().body


def test_an_enterprise_that_qualifies_later_is_matched_by_the_sweep_and_told_once(world, table, make_policy):
    policy = make_policy(conditions={"size": ["micro"]})
    services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)
    assert set(PolicyMatch.objects.values_list("enterprise", flat=True)) == {table["E2"].pk}

    services.profile_update(actor=table["E6"].chief_officer, enterprise_id=table["E6"].pk, size_class="micro")
    assert tasks.policies_sweep()["matched"] == 1
    assert tasks.policies_sweep()["matched"] == 0

    assert set(PolicyMatch.objects.values_list("enterprise", flat=True)) == {table["E2"].pk, table["E6"].pk}
    chief = table["E6"].chief_officer
    assert Notification.objects.filter(recipient=chief, event_kind="policy_matched").count() == 1


def test_quiet_hours_hold_the_email_but_not_the_inbox(world, table, make_policy):
    chief = table["E1"].chief_officer
    chief.email = "chief@example.com"
    chief.save()
    policy = make_policy(conditions={"qualifications": ["srdi"]})

    with time_machine.travel("2026-11-17T23:30:00+08:00", tick=False):
        services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)

    email = Notification.objects.get(recipient=chief, event_kind="policy_matched", channel=NotificationChannel.EMAIL)
    inbox = Notification.objects.get(recipient=chief, event_kind="policy_matched", channel=NotificationChannel.INBOX)
    assert email.status == NotificationStatus.HELD
    assert inbox.status != NotificationStatus.HELD


def _outbox(policy_id: int) -> list[tuple]:
    fields = ("recipient_id", "channel", "subject", "body", "language", "status", "next_attempt_at", "dedup_key")
    rows = Notification.objects.filter(topic_type="policy", topic_id=policy_id).order_by("dedup_key")
    return [(*row[:-1], row[-1].split(":", 2)[2]) for row in rows.values_list(*fields)] + [
        tuple(sorted((k, str(v)) for k, v in payload.items())) for payload in rows.values_list("payload", flat=True)
    ]


def test_the_set_based_outbox_writes_what_one_message_per_enterprise_would(world, table, make_policy, monkeypatch):
    """The one INSERT … SELECT of notifications.fanout and `notify` (the other databases' way)
    write the same rows: recipients, channels, language, quiet hours, sentences, payloads."""
    from notifications import fanout

    chief = table["E1"].chief_officer
    chief.email = "chief@example.com"
    chief.save()
    EnterpriseUserFactory(enterprise=table["E1"], email="e1@example.com", language="en")
    EnterpriseUserFactory(enterprise=table["E6"], phone="13800000000")
    conditions = {"qualifications": ["high-tech"]}
    first, second = make_policy(conditions=conditions), make_policy(conditions=conditions)

    with time_machine.travel("2026-11-17T23:30:00+08:00", tick=False):
        services.policy_publish(actor=world.zone_manager, policy_id=first.pk)
        monkeypatch.setattr(fanout.connection, "vendor", "sqlite")
        services.policy_publish(actor=world.zone_manager, policy_id=second.pk)

    set_based, one_by_one = _outbox(first.pk), _outbox(second.pk)
    assert set_based == one_by_one
    assert any(row[1] == NotificationChannel.EMAIL and row[5] == NotificationStatus.HELD for row in set_based[:8])


def _publish_queries(world, make_policy, n: int, code: str) -> list[str]:
    officer = OfficerFactory(department=world.service_dept)
    for _i in range(n):
        ent = EnterpriseFactory(park=world.park, chief_officer=officer)
        profile(ent, code=code, size="small", registered=date(2015, 1, 1))
        EnterpriseUserFactory(enterprise=ent)
    policy = make_policy(conditions={"industry": [code]})
    with CaptureQueriesContext(connection) as queries:
        services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)
    assert PolicyMatch.objects.filter(policy=policy).count() == n
    # each statement by its kind and table; the outbox's bulk INSERT batches (SQLite takes so
    # many parameters a statement, so Django splits the rows) count as one statement
    kinds = [re.sub(r'"s\d+_x\d+"', "sp", " ".join(q["sql"].split()[:3])) for q in queries.captured_queries]
    outbox = 'INSERT INTO "notifications_notification"'
    return [k for i, k in enumerate(kinds) if not (k == outbox and i and kinds[i - 1] == outbox)]


def test_matching_takes_the_same_number_of_queries_for_few_or_many_enterprises(world, make_policy):
    few = _publish_queries(world, make_policy, 3, "C39")
    many = _publish_queries(world, make_policy, 40, "C38")
    assert few == many


def test_the_reminder_goes_once_to_officers_of_qualifying_enterprises_that_have_not_applied(
    world, table, make_policy, api_as
):
    policy = make_policy(conditions={"qualifications": ["high-tech"]}, effective_to=TODAY + timedelta(days=10))
    services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)  # E1, E4, E6
    company = EnterpriseUserFactory(enterprise=table["E4"])
    services.policy_apply(actor=company, policy_id=policy.pk)

    assert tasks.policies_sweep()["reminded"] == 2
    assert tasks.policies_sweep()["reminded"] == 0

    reminded = Notification.objects.filter(event_kind="policy_reminder", channel=NotificationChannel.INBOX)
    assert set(reminded.values_list("recipient_id", flat=True)) == {
        table["E1"].chief_officer_id,
        table["E6"].chief_officer_id,
    }


def test_no_reminder_while_the_end_is_far(world, table, make_policy):
    policy = make_policy(conditions={"qualifications": ["high-tech"]}, effective_to=TODAY + timedelta(days=40))
    services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)
    assert services.policies_remind() == 0


def test_the_sweep_runs_every_morning_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["policies-sweep"]
    assert entry["task"] == "policies.tasks.policies_sweep"
    assert entry["schedule"].hour == {9} and entry["schedule"].minute == {0}
