"""The policies' admin writes as the API does: a change is audited field by field and a
published policy is matched again; the park stays as made; an archived policy is read only;
a manager of another park may not change a policy here either."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission

from policies import services
from policies.models import Policy, PolicyEvent, PolicyEventKind

pytestmark = pytest.mark.django_db


def _form(policy: Policy, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": policy.title,
        "issuer": policy.issuer,
        "summary": policy.summary,
        "body": policy.body,
        "benefit": policy.benefit,
        "service_item": policy.service_item_id,
        "effective_from": policy.effective_from.isoformat(),
        "effective_to": policy.effective_to.isoformat() if policy.effective_to else "",
        "conditions": json.dumps(policy.conditions),
    }
    return {**data, **changes}


def test_the_admin_changes_a_published_policy_through_the_audited_service(world, make_policy, client):
    policy = services.policy_publish(actor=world.zone_manager, policy_id=make_policy().pk)
    url = f"/admin/policies/policy/{policy.pk}/change/"
    client.force_login(world.admin)
    old_title = policy.title

    response = client.post(url, _form(policy, title="高新技术企业认定奖励（修订）", conditions='{"size": ["small"]}'))

    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert policy.title == "高新技术企业认定奖励（修订）" and policy.conditions == {"size": ["small"]}
    edited = PolicyEvent.objects.get(policy=policy, kind=PolicyEventKind.EDITED)
    assert edited.actor == world.admin
    assert edited.detail["changes"]["title"] == [old_title, "高新技术企业认定奖励（修订）"]
    assert edited.detail["changes"]["conditions"] == [{}, {"size": ["small"]}]
    assert PolicyEvent.objects.filter(policy=policy, kind=PolicyEventKind.REMATCHED).count() == 1
    # nothing changed: nothing recorded
    assert client.post(url, _form(policy)).status_code == 302
    assert PolicyEvent.objects.filter(policy=policy, kind=PolicyEventKind.EDITED).count() == 1


def test_the_park_stays_as_made_and_an_archived_policy_is_read_only(world, make_policy, client):
    policy = make_policy(park=world.park)
    url = f"/admin/policies/policy/{policy.pk}/change/"
    client.force_login(world.admin)
    assert 'name="park"' not in client.get(url).content.decode()
    assert 'name="park"' in client.get("/admin/policies/policy/add/").content.decode()

    services.policy_archive(actor=world.zone_manager, policy_id=policy.pk)
    page = client.get(url).content.decode()
    assert 'name="title"' not in page and 'name="conditions"' not in page
    client.post(url, _form(policy, title="归档后改名"))
    policy.refresh_from_db()
    assert policy.title != "归档后改名"
    assert not PolicyEvent.objects.filter(policy=policy, kind=PolicyEventKind.EDITED).exists()


def test_a_manager_of_another_park_may_not_change_a_policy_in_the_admin(world, make_policy, client):
    policy = make_policy(park=world.other_park)
    world.park_manager.is_staff = True
    world.park_manager.save(update_fields=["is_staff"])
    world.park_manager.user_permissions.add(*Permission.objects.filter(codename__in=["change_policy", "view_policy"]))
    client.force_login(world.park_manager)
    url = f"/admin/policies/policy/{policy.pk}/change/"
    response = client.post(url, _form(policy, title="别的园区改名"))
    assert response.status_code in (302, 403)
    policy.refresh_from_db()
    assert policy.title != "别的园区改名"
    own = make_policy(park=world.park)
    own_url = f"/admin/policies/policy/{own.pk}/change/"
    assert client.post(own_url, _form(own, title="本园区改名")).status_code == 302
    own.refresh_from_db()
    assert own.title == "本园区改名"
