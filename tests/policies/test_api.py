"""The policies' API: scope (an enterprise sees the published policies of its park and the
zone), writing and publishing by managers, bad conditions as field errors, matches for staff,
applying (a ticket on the policy's service item, linked), an enterprise's policies and its
audited attributes; lists in a constant number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies import services
from policies.models import EnterpriseProfileChange, PolicyMatch
from tests.factories import EnterpriseFactory
from tickets.models import Ticket

from .conftest import TODAY, profile

pytestmark = pytest.mark.django_db


def _published(world, make_policy, **fields):
    policy = make_policy(**fields)
    return services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)


def test_an_enterprise_sees_published_policies_of_its_park_and_the_zone(world, make_policy, api_as):
    zone_wide = _published(world, make_policy)
    own_park = _published(world, make_policy, park=world.park, title="本园区厂房租金补贴")
    other_park = _published(world, make_policy, park=world.other_park, title="其他园区政策")
    draft = make_policy(title="草稿政策")

    ids = {row["id"] for row in api_as(world.company).get("/api/v1/policies/").json()["results"]}

    assert ids == {zone_wide.pk, own_park.pk}
    for hidden in (other_park, draft):
        assert api_as(world.company).get(f"/api/v1/policies/{hidden.pk}/").status_code == 404
    assert api_as(world.park_manager).get(f"/api/v1/policies/{draft.pk}/").status_code == 404  # zone-wide draft
    assert api_as(world.zone_manager).get(f"/api/v1/policies/{draft.pk}/").status_code == 200


def test_managers_write_and_publish_others_may_not(world, api_as):
    body = {
        "title": "专精特新企业奖励",
        "issuer": "开发区经济发展局",
        "summary": "对新认定的专精特新中小企业给予奖励。",
        "benefit": "奖励10万元",
        "service_item": world.item.code,
        "effective_from": "2026-01-01",
        "effective_to": "2026-12-31",
        "conditions": {"qualifications": ["srdi"], "size": ["small", "micro"]},
    }
    assert api_as(world.chief).post("/api/v1/policies/", body, format="json").status_code == 403
    assert api_as(world.company).post("/api/v1/policies/", body, format="json").status_code == 403
    created = api_as(world.park_manager).post("/api/v1/policies/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["park"] == world.park.pk and created.json()["status"] == "draft"
    policy_id = created.json()["id"]

    published = api_as(world.park_manager).post(f"/api/v1/policies/{policy_id}/publish/")
    again = api_as(world.park_manager).post(f"/api/v1/policies/{policy_id}/publish/")

    assert published.status_code == 200 and published.json()["status"] == "published"
    assert again.status_code == 409
    assert api_as(world.other_park_manager).post(f"/api/v1/policies/{policy_id}/archive/").status_code == 403


@pytest.mark.parametrize(
    "conditions",
    [
        {"revenue": [1]},
        {"size": ["huge"]},
        {"industry": ["39"]},
        {"industry": []},
        {"qualifications": ["nobel"]},
        {"years_min": 5, "years_max": 3},
        {"years_min": -1},
        {"years_max": "3"},
        {"parks": [987654]},
        ["size"],
    ],
)
def test_unknown_attributes_and_impossible_ranges_are_field_errors(world, api_as, conditions):
    body = {
        "title": "坏政策",
        "issuer": "某局",
        "summary": "摘要",
        "benefit": "奖励",
        "service_item": world.item.code,
        "effective_from": "2026-01-01",
        "conditions": conditions,
    }
    response = api_as(world.zone_manager).post("/api/v1/policies/", body, format="json")
    assert response.status_code == 400
    assert "conditions" in response.json()


def test_a_window_that_ends_before_it_starts_is_a_field_error(world, api_as):
    body = {
        "title": "坏政策",
        "issuer": "某局",
        "summary": "摘要",
        "benefit": "奖励",
        "service_item": world.item.code,
        "effective_from": "2026-06-01",
        "effective_to": "2026-05-31",
    }
    response = api_as(world.zone_manager).post("/api/v1/policies/", body, format="json")
    assert response.status_code == 400 and "effective_to" in response.json()


def test_matches_show_staff_their_enterprises_with_notified_applied_granted(world, make_policy, api_as):
    profile(world.enterprise, size="small")
    profile(world.other_enterprise, size="small")
    policy = _published(world, make_policy, conditions={"size": ["small"]})
    ticket = services.policy_apply(actor=world.company, policy_id=policy.pk)
    services.policy_outcome_record(
        actor=world.chief,
        policy_id=policy.pk,
        enterprise_id=world.enterprise.pk,
        outcome="granted",
        decided_on=TODAY,
    )

    chief = api_as(world.chief).get(f"/api/v1/policies/{policy.pk}/matches/").json()["results"]
    zone = api_as(world.zone_manager).get(f"/api/v1/policies/{policy.pk}/matches/").json()["results"]

    assert [row["enterprise"] for row in chief] == [world.enterprise.pk]
    assert chief[0]["notified_at"] and chief[0]["ticket"] == ticket.pk and chief[0]["granted_at"]
    assert {row["enterprise"] for row in zone} == {world.enterprise.pk, world.other_enterprise.pk}
    assert api_as(world.company).get(f"/api/v1/policies/{policy.pk}/matches/").status_code == 403


def test_applying_files_a_prefilled_ticket_on_the_policys_service_item_once(world, make_policy, api_as):
    profile(world.enterprise, size="small")
    policy = _published(world, make_policy, conditions={"size": ["small"]})

    response = api_as(world.company).post(f"/api/v1/policies/{policy.pk}/apply/", {"note": "已准备好材料"})
    again = api_as(world.company).post(f"/api/v1/policies/{policy.pk}/apply/", {})

    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(pk=response.json()["ticket"])
    assert ticket.service_item == world.item and ticket.enterprise == world.enterprise
    assert (
        policy.title in ticket.title and policy.benefit in ticket.description and "已准备好材料" in ticket.description
    )
    match = PolicyMatch.objects.get(policy=policy, enterprise=world.enterprise)
    assert match.ticket == ticket and match.qualified and match.applied_at
    assert again.status_code == 409


def test_an_officer_applies_on_behalf_an_expired_policy_is_closed(world, make_policy, api_as):
    policy = _published(world, make_policy, park=world.park)
    expired = _published(world, make_policy, effective_from=date(2025, 1, 1), effective_to=date(2025, 12, 31))

    on_behalf = api_as(world.chief).post(
        f"/api/v1/policies/{policy.pk}/apply/", {"enterprise": world.enterprise.pk}, format="json"
    )
    closed = api_as(world.company).post(f"/api/v1/policies/{expired.pk}/apply/", {})
    outsider = api_as(world.other_company).post(f"/api/v1/policies/{policy.pk}/apply/", {})

    assert on_behalf.status_code == 201, on_behalf.json()
    assert PolicyMatch.objects.get(policy=policy, enterprise=world.enterprise).ticket_id == on_behalf.json()["ticket"]
    assert closed.status_code == 409
    assert outsider.status_code == 404


def test_an_enterprises_policies_and_its_audited_attributes(world, make_policy, api_as):
    client = api_as(world.chief)
    changed = client.patch(
        f"/api/v1/enterprises/{world.enterprise.pk}/profile/",
        {
            "industry_code": "c3981",
            "size_class": "small",
            "qualifications": ["high-tech"],
            "registered_on": "2019-05-01",
        },
        format="json",
    )
    policy = _published(world, make_policy, conditions={"qualifications": ["high-tech"], "years_min": 5})

    assert changed.status_code == 200, changed.json()
    assert changed.json()["industry_code"] == "C3981" and changed.json()["qualifications"] == ["high-tech"]
    audit = EnterpriseProfileChange.objects.filter(enterprise=world.enterprise)
    assert set(audit.values_list("field", flat=True)) == {
        "industry_code",
        "size_class",
        "qualifications",
        "registered_on",
    }
    assert set(audit.values_list("actor", flat=True)) == {world.chief.pk}
    listed = api_as(world.company).get(f"/api/v1/enterprises/{world.enterprise.pk}/policies/").json()["results"]
    assert [row["policy"]["id"] for row in listed] == [policy.pk]
    assert (
        api_as(world.company)
        .patch(f"/api/v1/enterprises/{world.enterprise.pk}/profile/", {"size_class": "large"}, format="json")
        .status_code
        == 403
    )
    assert api_as(world.other_company).get(f"/api/v1/enterprises/{world.enterprise.pk}/policies/").status_code == 404
    bad = client.patch(f"/api/v1/enterprises/{world.enterprise.pk}/profile/", {"industry_code": "39"}, format="json")
    assert bad.status_code == 400 and "industry_code" in bad.json()
    history = client.get(f"/api/v1/enterprises/{world.enterprise.pk}/profile/changes/").json()
    assert history["count"] == 4


def test_lists_take_a_constant_number_of_queries(world, make_policy, api_as):
    def queries(n: int) -> tuple[int, int]:
        for _i in range(n):
            ent = EnterpriseFactory(park=world.park, chief_officer=world.chief)
            profile(ent, size="micro")
        policy = _published(world, make_policy, conditions={"size": ["micro"]})
        client = api_as(world.zone_manager)
        with CaptureQueriesContext(connection) as listing:
            assert client.get("/api/v1/policies/").status_code == 200
        with CaptureQueriesContext(connection) as matches:
            assert client.get(f"/api/v1/policies/{policy.pk}/matches/").status_code == 200
        return len(listing), len(matches)

    assert queries(2) == queries(12)


def test_the_enterprises_own_admin_changes_its_attributes_through_the_api(world, api_as):
    from django.contrib.auth.models import Permission

    from tests.factories import EnterpriseUserFactory

    permission = Permission.objects.get(codename="change_enterpriseprofile")
    world.company.user_permissions.add(permission)
    world.other_company.user_permissions.add(permission)
    plain = EnterpriseUserFactory(enterprise=world.enterprise)
    url = f"/api/v1/enterprises/{world.enterprise.pk}/profile/"

    changed = api_as(world.company).patch(url, {"size_class": "micro", "qualifications": ["tech-sme"]}, format="json")
    unknown = api_as(world.company).patch(url, {"qualifications": ["nobel"]}, format="json")
    future = api_as(world.company).patch(url, {"registered_on": "2099-01-01"}, format="json")
    refused = api_as(plain).patch(url, {"size_class": "large"}, format="json")
    elsewhere = api_as(world.other_company).patch(url, {"size_class": "large"}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["size_class"] == "micro" and changed.json()["qualifications"] == ["tech-sme"]
    assert unknown.status_code == 400 and "qualifications" in unknown.json()
    assert future.status_code == 400 and "registered_on" in future.json()
    assert refused.status_code == 403 and elsewhere.status_code == 404
    audit = EnterpriseProfileChange.objects.filter(enterprise=world.enterprise)
    assert sorted(audit.values_list("field", "new", "actor")) == [
        ("qualifications", ",tech-sme,", world.company.pk),
        ("size_class", "micro", world.company.pk),
    ]
