"""The policies' pages for the three roles, in Chinese and English: the list with its marks
and counts, one policy with the officer's enterprises, applying, publishing, and the
enterprise's audited attributes."""

from __future__ import annotations

import pytest

from policies import services
from policies.models import EnterpriseProfileChange, PolicyMatch
from tests.factories import EnterpriseUserFactory
from tests.policies.conftest import profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, make_policy):
    profile(world.enterprise, size="small")
    policy = make_policy(conditions={"size": ["small"]})
    return services.policy_publish(actor=world.zone_manager, policy_id=policy.pk)


def test_an_enterprise_sees_that_it_qualifies_and_applies(world, client, published):
    client.force_login(world.company)

    listing = client.get("/policies/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    detail = client.get(f"/policies/{published.pk}/").content.decode()
    applied = client.post(f"/policies/{published.pk}/apply/", {"note": "材料已备齐"})

    assert published.title in listing and "符合条件" in listing
    assert f'action="/policies/{published.pk}/apply/"' in detail
    assert applied.status_code == 302 and applied["Location"].startswith("/tickets/")
    assert PolicyMatch.objects.get(policy=published, enterprise=world.enterprise).ticket_id is not None


def test_the_officer_sees_their_qualifying_enterprises_and_applies_for_one(world, client, published):
    client.force_login(world.chief)

    listing = client.get("/policies/").content.decode()
    detail = client.get(f"/policies/{published.pk}/").content.decode()
    applied = client.post(f"/policies/{published.pk}/apply/", {"enterprise": world.enterprise.pk})

    assert published.title in listing
    assert world.enterprise.name in detail and 'name="enterprise"' in detail
    assert applied.status_code == 302
    assert world.other_enterprise.name not in detail


def test_a_manager_sees_the_counts_in_english_and_publishes_a_draft(world, client, make_policy, published):
    draft = make_policy(title="草稿政策")
    client.force_login(world.zone_manager)
    client.cookies["django_language"] = "en"

    listing = client.get("/policies/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.post(f"/policies/{draft.pk}/publish/")

    assert "Matched" in listing and "Granted" in listing
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"


def test_the_officer_changes_the_attributes_and_the_change_is_recorded(world, client):
    client.force_login(world.chief)

    page = client.get(f"/enterprises/{world.enterprise.pk}/profile/")
    saved = client.post(
        f"/enterprises/{world.enterprise.pk}/profile/",
        {
            "industry_code": "C3981",
            "size_class": "small",
            "qualifications": ["high-tech"],
            "registered_on": "2018-03-01",
        },
    )
    bad = client.post(f"/enterprises/{world.enterprise.pk}/profile/", {"industry_code": "39x"})

    assert page.status_code == 200
    assert saved.status_code == 302
    assert EnterpriseProfileChange.objects.filter(enterprise=world.enterprise, actor=world.chief).count() == 4
    assert bad.status_code == 400
    client.force_login(world.company)
    assert client.post(f"/enterprises/{world.enterprise.pk}/profile/", {"size_class": "large"}).status_code == 403
    client.force_login(world.other_company)
    assert client.get(f"/enterprises/{world.enterprise.pk}/profile/").status_code == 404


def _enterprise_admin(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="change_enterpriseprofile"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: no cached permissions


def test_the_enterprises_own_admin_changes_its_attributes_other_users_may_not(world, client):
    admin = _enterprise_admin(world.company)
    plain = EnterpriseUserFactory(enterprise=world.enterprise)
    client.force_login(admin)

    listing = client.get("/policies/").content.decode()
    page = client.get(f"/enterprises/{world.enterprise.pk}/profile/").content.decode()
    saved = client.post(
        f"/enterprises/{world.enterprise.pk}/profile/",
        {"industry_code": "c3981", "size_class": "small", "qualifications": ["srdi"], "registered_on": "2018-03-01"},
    )
    future = client.post(f"/enterprises/{world.enterprise.pk}/profile/", {"registered_on": "2099-01-01"})

    assert f"/enterprises/{world.enterprise.pk}/profile/" in listing
    assert 'type="submit"' in page and "disabled" not in page
    assert saved.status_code == 302
    audit = EnterpriseProfileChange.objects.filter(enterprise=world.enterprise)
    assert set(audit.values_list("actor", flat=True)) == {admin.pk} and audit.count() == 4
    assert audit.get(field="industry_code").new == "C3981"
    assert future.status_code == 400 and "registered_on" in future.content.decode()
    client.force_login(plain)
    shown = client.get(f"/enterprises/{world.enterprise.pk}/profile/").content.decode()
    assert "disabled" in shown and 'class="primary">' not in shown
    assert client.post(f"/enterprises/{world.enterprise.pk}/profile/", {"size_class": "large"}).status_code == 403
    client.force_login(_enterprise_admin(world.other_company))
    assert client.post(f"/enterprises/{world.enterprise.pk}/profile/", {"size_class": "large"}).status_code == 404
    assert audit.count() == 4


def test_pages_outside_the_scope_are_not_found(world, client, make_policy):
    other = services.policy_publish(actor=world.zone_manager, policy_id=make_policy(park=world.other_park).pk)
    client.force_login(world.company)
    assert client.get(f"/policies/{other.pk}/").status_code == 404
    assert client.post(f"/policies/{other.pk}/apply/").status_code in (302, 404)


def test_a_park_manager_writes_a_draft_with_its_conditions_and_bad_ones_are_shown(world, client):
    client.force_login(world.park_manager)
    base = {
        "title": "园区厂房租金补贴",
        "issuer": "园区管委会",
        "summary": "新入驻企业前两年租金减半。",
        "benefit": "租金补贴50%",
        "service_item": world.item.pk,
        "effective_from": "2026-01-01",
        "effective_to": "2026-12-31",
    }

    form = client.get("/policies/new/")
    saved = client.post("/policies/new/", {**base, "industry": "C39, i65", "size": ["small"], "years_max": "2"})
    bad = client.post("/policies/new/", {**base, "years_min": "5", "years_max": "3"})

    assert form.status_code == 200 and 'name="park"' not in form.content.decode()  # their own park
    assert saved.status_code == 302
    policy = services.policy_list_for(world.park_manager).get(title="园区厂房租金补贴")
    assert policy.park == world.park and policy.status == "draft"
    assert policy.conditions == {"industry": ["C39", "I65"], "size": ["small"], "years_max": 2}
    assert bad.status_code == 400 and "years_min" in bad.content.decode()
    client.force_login(world.chief)
    assert client.get("/policies/new/").status_code == 403


def test_a_manager_changes_a_published_policys_conditions_and_only_the_newly_qualifying_are_told(
    world, client, published
):
    from notifications.models import Notification
    from tests.factories import EnterpriseFactory

    micro = EnterpriseFactory(park=world.park, chief_officer=world.chief)
    profile(micro, size="micro")
    micro_user = EnterpriseUserFactory(enterprise=micro)
    client.force_login(world.zone_manager)
    form = client.get(f"/policies/{published.pk}/edit/")
    data = {
        "title": published.title,
        "issuer": published.issuer,
        "summary": published.summary,
        "benefit": published.benefit,
        "service_item": world.item.pk,
        "effective_from": "2026-01-01",
        "effective_to": "2026-12-31",
        "size": ["small", "micro"],
    }

    saved = client.post(f"/policies/{published.pk}/edit/", data)
    bad = client.post(f"/policies/{published.pk}/edit/", {**data, "years_min": "5", "years_max": "1"})

    assert form.status_code == 200 and 'value="small"' in form.content.decode()
    assert saved.status_code == 302
    assert set(PolicyMatch.objects.filter(policy=published).values_list("enterprise_id", flat=True)) == {
        world.enterprise.pk,
        micro.pk,
    }
    told = Notification.objects.filter(topic_id=published.pk, topic_type="policy", channel="inbox")
    assert told.filter(recipient=micro_user).count() == 1 and told.filter(recipient=world.company).count() == 1
    assert bad.status_code == 400
    detail = client.get(f"/policies/{published.pk}/").content.decode()
    assert f"/policies/{published.pk}/edit/" in detail and "size" in detail  # the history names the field
    client.force_login(world.chief)
    assert client.get(f"/policies/{published.pk}/edit/").status_code == 403


def test_the_officer_of_the_application_records_its_outcome_on_the_page(world, client, published):
    services.policy_apply(actor=world.company, policy_id=published.pk)
    client.force_login(world.chief)
    page = client.get(f"/policies/{published.pk}/").content.decode()
    base = {"enterprise": world.enterprise.pk, "decided_on": "2026-11-17"}

    refused = client.post(f"/policies/{published.pk}/outcome/", {**base, "outcome": "not_granted"}, follow=True)
    untouched = PolicyMatch.objects.get(policy=published, enterprise=world.enterprise).outcome
    granted = client.post(f"/policies/{published.pk}/outcome/", {**base, "outcome": "granted", "remark": "已拨付"})

    assert f'action="/policies/{published.pk}/outcome/"' in page
    assert refused.status_code == 200 and untouched == ""  # not granted needs a remark: said on the page
    match = PolicyMatch.objects.get(policy=published, enterprise=world.enterprise)
    assert granted.status_code == 302 and match.outcome == "granted" and match.outcome_remark == "已拨付"
    assert match.decided_by == world.chief
    client.force_login(world.company)
    assert client.post(f"/policies/{published.pk}/outcome/", {**base, "outcome": "granted"}).status_code == 403
    client.force_login(world.other_park_manager)
    other = {**base, "outcome": "not_granted", "remark": "x"}
    assert client.post(f"/policies/{published.pk}/outcome/", other).status_code == 404
