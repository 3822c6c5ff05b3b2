"""Changing a policy (a published one's new eligibility tells only the newly qualifying, and
nobody is un-told), and recording what became of an application (granted or not, the day, a
remark): who may, the 4xx answers, the audit trail and the managers' figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notifications.models import Notification
from policies import services
from policies.models import PolicyEvent, PolicyMatch
from tests.factories import EnterpriseFactory, EnterpriseUserFactory

from .conftest import TODAY, profile

pytestmark = pytest.mark.django_db


def _told(policy) -> set[int]:
    rows = Notification.objects.filter(topic_type="policy", topic_id=policy.pk, channel="inbox")
    return set(rows.values_list("recipient_id", flat=True))


def test_new_eligibility_of_a_published_policy_tells_only_the_newly_qualifying(world, make_policy, api_as):
    small = EnterpriseFactory(park=world.park, chief_officer=world.chief)
    micro = EnterpriseFactory(park=world.park, chief_officer=world.chief)
    profile(small, size="small")
    profile(micro, size="micro")
    small_user, micro_user = EnterpriseUserFactory(enterprise=small), EnterpriseUserFactory(enterprise=micro)
    policy = services.policy_publish(actor=world.zone_manager, policy_id=make_policy(conditions={"size": ["small"]}).pk)
    assert _told(policy) == {small_user.pk, world.chief.pk}
    client = api_as(world.zone_manager)

    widened = client.patch(
        f"/api/v1/policies/{policy.pk}/", {"conditions": {"size": ["micro"]}, "title": "小微企业奖励"}, format="json"
    )
    again = client.patch(f"/api/v1/policies/{policy.pk}/", {"conditions": {"size": ["micro"]}}, format="json")

    assert widened.status_code == 200, widened.json()
    assert widened.json()["conditions"] == {"size": ["micro"]} and widened.json()["status"] == "published"
    matches = PolicyMatch.objects.filter(policy=policy)
    assert set(matches.values_list("enterprise_id", flat=True)) == {small.pk, micro.pk}  # small keeps its row
    assert _told(policy) == {small_user.pk, micro_user.pk, world.chief.pk}
    assert Notification.objects.filter(topic_id=policy.pk, recipient=micro_user).count() == 1
    assert again.status_code == 200
    events = PolicyEvent.objects.filter(policy=policy)
    assert list(events.values_list("kind", flat=True)) == ["published", "edited", "rematched"]
    edited = events.get(kind="edited")
    assert edited.actor == world.zone_manager
    assert edited.detail["changes"]["conditions"] == [{"size": ["small"]}, {"size": ["micro"]}]
    assert events.get(kind="rematched").detail == {"added": 1}
    archived = services.policy_archive(actor=world.zone_manager, policy_id=policy.pk)
    assert client.patch(f"/api/v1/policies/{archived.pk}/", {"title": "改"}, format="json").status_code == 409
    bad = client.patch(f"/api/v1/policies/{policy.pk}/", {"conditions": {"age": 3}}, format="json")
    assert bad.status_code in (400, 409)


def test_only_its_park_and_zone_managers_change_a_policy(world, make_policy, api_as):
    policy = make_policy(park=world.park)
    url = f"/api/v1/policies/{policy.pk}/"
    assert api_as(world.park_manager).patch(url, {"benefit": "30万元"}, format="json").status_code == 200
    assert api_as(world.chief).patch(url, {"benefit": "1元"}, format="json").status_code == 404  # a draft
    assert api_as(world.other_park_manager).patch(url, {"benefit": "1元"}, format="json").status_code == 404
    services.policy_publish(actor=world.park_manager, policy_id=policy.pk)
    assert api_as(world.chief).patch(url, {"benefit": "1元"}, format="json").status_code == 403
    assert api_as(world.other_park_manager).patch(url, {"benefit": "1元"}, format="json").status_code == 403
    bad = api_as(world.park_manager).patch(url, {"effective_to": "2025-01-01"}, format="json")
    assert bad.status_code == 400 and "effective_to" in bad.json()


@pytest.fixture
def applied(world, make_policy):
    profile(world.enterprise, size="small")
    policy = services.policy_publish(actor=world.zone_manager, policy_id=make_policy(conditions={"size": ["small"]}).pk)
    ticket = services.policy_apply(actor=world.company, policy_id=policy.pk)
    return policy, ticket


def test_the_officer_of_the_application_and_managers_record_its_outcome(world, applied, api_as):
    policy, ticket = applied
    url = f"/api/v1/policies/{policy.pk}/outcome/"
    body = {"enterprise": world.enterprise.pk, "outcome": "granted", "decided_on": TODAY.isoformat()}
    assert world.chief.pk in (ticket.assignee_id, ticket.owner_id)

    granted = api_as(world.chief).post(url, {**body, "remark": "已拨付"}, format="json")
    counts = services.counts_for(world.zone_manager, [policy.pk])[policy.pk]
    no_reason = api_as(world.park_manager).post(url, {**body, "outcome": "not_granted"}, format="json")
    corrected = api_as(world.park_manager).post(
        url, {**body, "outcome": "not_granted", "remark": "材料不全"}, format="json"
    )

    assert granted.status_code == 200, granted.json()
    assert granted.json()["outcome"] == "granted" and granted.json()["granted_at"]
    assert counts.granted == 1 and counts.applied == 1
    assert no_reason.status_code == 400 and "remark" in no_reason.json()
    assert corrected.status_code == 200 and corrected.json()["granted_at"] is None
    assert services.counts_for(world.zone_manager, [policy.pk])[policy.pk].granted == 0
    outcomes = PolicyEvent.objects.filter(policy=policy, kind="outcome").order_by("id")
    assert [(e.actor_id, e.detail["outcome"]) for e in outcomes] == [
        (world.chief.pk, "granted"),
        (world.park_manager.pk, "not_granted"),
    ]
    previous = {"outcome": "granted", "decided_on": TODAY.isoformat(), "remark": "已拨付"}
    assert outcomes.last().detail["previous"] == previous
    history = api_as(world.chief).get(f"/api/v1/policies/{policy.pk}/events/")
    assert history.status_code == 200 and history.json()["results"][0]["kind"] == "outcome"


def test_outcomes_are_refused_outside_the_rules(world, applied, api_as, make_policy):
    policy, _ticket = applied
    url = f"/api/v1/policies/{policy.pk}/outcome/"
    body = {"enterprise": world.enterprise.pk, "outcome": "granted", "decided_on": TODAY.isoformat()}

    assert api_as(world.company).post(url, body, format="json").status_code == 403
    assert api_as(world.deputy).post(url, body, format="json").status_code == 403  # not the application's officer
    assert api_as(world.other_park_manager).post(url, body, format="json").status_code == 404
    future = {**body, "decided_on": (TODAY + timedelta(days=1)).isoformat()}
    assert api_as(world.chief).post(url, future, format="json").status_code == 400
    assert api_as(world.chief).post(url, {**body, "decided_on": "2026-01-01"}, format="json").status_code == 400
    assert api_as(world.chief).post(url, {**body, "outcome": "maybe"}, format="json").status_code == 400
    profile(world.other_enterprise, size="small")
    services.policy_match(policy_id=policy.pk)
    other = {**body, "enterprise": world.other_enterprise.pk}
    assert api_as(world.zone_manager).post(url, other, format="json").status_code == 409  # has not applied
    assert api_as(world.company).get(f"/api/v1/policies/{policy.pk}/events/").status_code == 403
    assert not PolicyMatch.objects.exclude(outcome="").exists()
    assert date(2026, 1, 1) < TODAY
