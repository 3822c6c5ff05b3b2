"""The queue's tabs, search (description, replies, enterprise name; never internal notes),
sortable columns, saved views and bulk accept; the portal's search and status filter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from servicedesk.models import Enterprise
from tickets import services
from tickets.models import SavedQueueFilter, Status, Ticket

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    return [row["ticket"].number for row in response.context["rows"]]


@pytest.fixture
def spread(world, new_ticket, clock):
    """Five tickets of the chief's in every state the tabs tell apart."""
    submitted = new_ticket(title="路灯不亮", description="园区东门的路灯坏了三盏", priority="low")
    clock.shift(timedelta(minutes=5))
    working = new_ticket(title="用电报装", description="新厂房需要接入电源", priority="urgent")
    services.ticket_accept(ticket_id=working.pk, actor=world.chief)
    services.ticket_reply(ticket_id=working.pk, actor=world.chief, body="已联系供电公司现场勘察")
    services.ticket_note(ticket_id=working.pk, actor=world.chief, body="内部备注机密词汇")
    clock.shift(timedelta(minutes=5))
    waiting = new_ticket(title="排水不畅", description="雨水管道堵塞", priority="high")
    services.ticket_accept(ticket_id=waiting.pk, actor=world.chief)
    services.ticket_suspend(ticket_id=waiting.pk, actor=world.chief, reason="等企业提供图纸")
    clock.shift(timedelta(minutes=5))
    done = new_ticket(title="招工咨询", description="想了解招聘会安排")
    services.ticket_accept(ticket_id=done.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=done.pk, actor=world.chief, resolution="下周三有专场招聘会")
    clock.shift(timedelta(minutes=5))
    late = new_ticket(title="消防验收", description="验收排期")
    Ticket.objects.filter(pk=late.pk).update(overdue=True)
    return {"submitted": submitted, "working": working, "waiting": waiting, "done": done, "late": late}


def test_tabs_split_the_officers_own_tickets(world, web_as, spread):
    client = web_as(world.chief)
    url = reverse("work-queue")
    n = {key: t.number for key, t in spread.items()}
    assert set(numbers(client.get(url))) == {n["submitted"], n["working"], n["waiting"], n["late"]}
    assert numbers(client.get(url, {"tab": "waiting"})) == [n["waiting"]]
    assert numbers(client.get(url, {"tab": "overdue"})) == [n["late"]]
    assert numbers(client.get(url, {"tab": "resolved"})) == [n["done"]]
    assert set(numbers(client.get(url, {"tab": "all"}))) == set(n.values())
    # the counts on the tabs are the officer's own
    tabs = {tab["name"]: tab["count"] for tab in client.get(url).context["tabs"]}
    assert tabs["open"] == 4 and tabs["waiting"] == 1 and tabs["overdue"] == 1
    # another officer's queue holds none of them
    assert numbers(web_as(world.other_officer).get(url, {"tab": "all"})) == []


def test_status_and_q_are_not_ignored_for_officers(world, web_as, spread):
    client = web_as(world.chief)
    url = reverse("work-queue")
    assert numbers(client.get(url, {"tab": "all", "status": Status.IN_PROGRESS})) == [spread["working"].number]
    assert numbers(client.get(url, {"q": "招聘会"})) == []  # resolved: not in the open tab
    assert numbers(client.get(url, {"tab": "all", "q": "招聘会"})) == [spread["done"].number]


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("路灯", "submitted"),  # the title
        ("管道堵塞", "waiting"),  # the description, in words jieba cuts
        ("供电公司", "working"),  # a public reply
        ("专场招聘", "done"),  # the resolution
    ],
)
def test_search_reads_title_description_replies_and_resolution(world, web_as, spread, words, key):
    found = numbers(web_as(world.chief).get(reverse("work-queue"), {"tab": "all", "q": words}))
    assert found == [spread[key].number]


def test_search_finds_the_enterprise_by_name_and_the_ticket_by_number(world, web_as, spread):
    Enterprise.objects.filter(pk=world.enterprise.pk).update(name="郑州精密机械有限公司")
    ticket = services.ticket_create(
        actor=world.company, title="新问题", description="x", kind="help", service_item=world.item
    )
    client = web_as(world.zone_manager)
    url = reverse("work-queue")
    assert numbers(client.get(url, {"tab": "all", "q": "精密机械"})) == [ticket.number]
    assert numbers(client.get(url, {"tab": "all", "q": spread["late"].number})) == [spread["late"].number]


def test_internal_notes_are_never_searched(world, web_as, spread):
    for user in (world.chief, world.zone_manager):
        assert numbers(web_as(user).get(reverse("work-queue"), {"tab": "all", "q": "机密词汇"})) == []
    assert numbers(web_as(world.company).get(reverse("portal-home"), {"tab": "all", "q": "机密词汇"})) == []


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("priority", ["submitted", "late", "waiting", "working"]),
        ("-priority", ["working", "waiting", "late", "submitted"]),
        ("created", ["submitted", "working", "waiting", "late"]),
        ("-created", ["late", "waiting", "working", "submitted"]),
        ("title", None),
        ("-title", None),
        ("number", ["submitted", "working", "waiting", "late"]),
        ("-number", ["late", "waiting", "working", "submitted"]),
        ("status", None),
        ("enterprise", None),
        ("assignee", None),
        ("due", None),
        ("-due", None),
    ],
)
def test_every_column_sorts(world, web_as, spread, sort, order):
    response = web_as(world.chief).get(reverse("work-queue"), {"sort": sort})
    listed = numbers(response)
    assert len(listed) == 4
    if order is not None:
        assert listed == [spread[key].number for key in order]
    rows = [row["ticket"] for row in response.context["rows"]]
    if sort.lstrip("-") == "title":
        titles = [t.title for t in rows]
        assert titles == sorted(titles, reverse=sort.startswith("-"))
    if sort == "due":
        dues = [row["due"] for row in response.context["rows"]]
        assert dues == sorted(dues)
    # the header says which way the column is sorted
    current = next(c for c in response.context["columns"] if c["key"] == sort.lstrip("-"))
    assert current["aria_sort"] == ("descending" if sort.startswith("-") else "ascending")


def test_an_unknown_sort_or_tab_is_ignored_not_a_500(world, web_as, spread):
    response = web_as(world.chief).get(reverse("work-queue"), {"sort": "password", "tab": "x' OR 1=1"})
    assert len(numbers(response)) == 4 and set(response.context["filters"].errors) == {"sort", "tab"}


def test_the_next_deadline_and_its_countdown(world, web_as, spread, clock):
    body = web_as(world.chief).get(reverse("work-queue"), {"sort": "due"}).content.decode()
    assert "Acceptance" in body and "Resolution" in body
    assert re.search(r"in \d+\s(days?|hours?|minutes?)", body)  # e.g. the 4 working hours to accept
    clock.shift(timedelta(days=2))
    body = web_as(world.chief).get(reverse("work-queue")).content.decode()
    assert " late" in body


def test_the_priority_column_shows_every_priority(world, web_as, spread):
    body = web_as(world.chief).get(reverse("work-queue")).content.decode()
    for label in ("Low", "Urgent", "High", "Normal"):
        assert f">{label}</span>" in body


def test_saved_views_are_kept_per_user_and_replayed(world, web_as, spread):
    client = web_as(world.chief)
    response = client.post(reverse("work-view-save"), {"name": "挂起的", "query": "tab=waiting&bogus=1&sort=-priority"})
    saved = SavedQueueFilter.objects.get(user=world.chief)
    assert saved.query == "tab=waiting&sort=-priority"  # only the queue's own parameters
    assert response.status_code == 302 and response["Location"].endswith("?tab=waiting&sort=-priority")
    page = client.get(reverse("work-queue"))
    assert [s.name for s in page.context["saved"]] == ["挂起的"]
    # the same name again replaces it; an empty name is refused with a message
    client.post(reverse("work-view-save"), {"name": "挂起的", "query": "tab=overdue"})
    assert SavedQueueFilter.objects.get(user=world.chief).query == "tab=overdue"
    client.post(reverse("work-view-save"), {"name": "  ", "query": "tab=overdue"})
    assert SavedQueueFilter.objects.filter(user=world.chief).count() == 1
    # another user neither sees nor deletes it
    other = web_as(world.deputy)
    assert other.get(reverse("work-queue")).context["saved"] == []
    other.post(reverse("work-view-delete", kwargs={"saved_id": saved.pk}))
    assert SavedQueueFilter.objects.filter(pk=saved.pk).exists()
    client.post(reverse("work-view-delete", kwargs={"saved_id": saved.pk}))
    assert not SavedQueueFilter.objects.filter(pk=saved.pk).exists()


def test_saved_views_are_limited(world, web_as):
    client = web_as(world.chief)
    for i in range(21):
        client.post(reverse("work-view-save"), {"name": f"v{i}", "query": f"q={i}"})
    assert SavedQueueFilter.objects.filter(user=world.chief).count() == 20


def test_bulk_accept_accepts_what_may_be_accepted_and_names_the_rest(world, web_as, new_ticket, spread):
    second = new_ticket(title="第二张")
    theirs = services.ticket_create(
        actor=world.other_company, title="别人的", description="x", kind="help", service_item=world.item
    )
    client = web_as(world.chief)
    response = client.post(
        reverse("work-bulk-accept"),
        {"ticket": [spread["submitted"].number, second.number, spread["working"].number, theirs.number]},
        follow=True,
    )
    assert Ticket.objects.get(pk=spread["submitted"].pk).status == Status.IN_PROGRESS
    assert Ticket.objects.get(pk=second.pk).status == Status.IN_PROGRESS
    assert Ticket.objects.get(pk=theirs.pk).status == Status.SUBMITTED  # not in scope: untouched
    text = [str(m) for m in response.context["messages"]]
    assert "2 tickets accepted." in text
    assert any(theirs.number in m and spread["working"].number in m for m in text)


def test_bulk_accept_is_for_staff_and_needs_a_post(world, web_as, spread):
    assert (
        web_as(world.company).post(reverse("work-bulk-accept"), {"ticket": [spread["submitted"].number]}).status_code
        == 403
    )
    assert web_as(world.chief).get(reverse("work-bulk-accept")).status_code == 405
    assert Ticket.objects.get(pk=spread["submitted"].pk).status == Status.SUBMITTED


def test_bulk_accept_goes_back_only_to_this_site(world, web_as, spread):
    response = web_as(world.chief).post(
        reverse("work-bulk-accept"), {"ticket": [spread["submitted"].number], "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("work-queue")


def test_portal_search_and_status_filter(world, web_as, spread):
    client = web_as(world.company)
    url = reverse("portal-home")
    n = {key: t.number for key, t in spread.items()}
    assert set(numbers(client.get(url))) == {n["submitted"], n["working"], n["waiting"], n["late"]}
    assert numbers(client.get(url, {"tab": "resolved"})) == [n["done"]]
    assert numbers(client.get(url, {"tab": "all", "q": "供电公司"})) == [n["working"]]
    assert numbers(client.get(url, {"tab": "all", "status": Status.WAITING})) == [n["waiting"]]
    # the portal's tabs are its own; a staff tab falls back to the open ones
    assert len(numbers(client.get(url, {"tab": "overdue"}))) == 4
    # never another company's
    assert numbers(web_as(world.other_company).get(url, {"tab": "all", "q": "路灯"})) == []


LIST_PARAMS = [
    {},
    {"tab": "all", "q": "用电报装"},
    {"tab": "all", "sort": "enterprise"},
    {"sort": "-due"},
    {"tab": "resolved"},
]


@pytest.mark.parametrize("who", ["chief", "zone_manager", "company"])
def test_lists_run_a_constant_number_of_queries(world, web_as, new_ticket, who, django_assert_max_num_queries):
    client = web_as(getattr(world, who))
    url = reverse("portal-home" if who == "company" else "work-queue")
    first = new_ticket(title="用电报装")
    services.ticket_accept(ticket_id=first.pk, actor=world.chief)
    services.ticket_resolve(ticket_id=first.pk, actor=world.chief, resolution="好")
    new_ticket()
    few = {}
    for i, params in enumerate(LIST_PARAMS):
        with django_assert_max_num_queries(20) as counted:
            client.get(url, params)
        few[i] = len(counted.captured_queries)
    for _ in range(12):
        t = new_ticket(title="用电报装")
        services.ticket_accept(ticket_id=t.pk, actor=world.chief)
        services.ticket_resolve(ticket_id=t.pk, actor=world.chief, resolution="好")
        new_ticket()
    for i, params in enumerate(LIST_PARAMS):
        with django_assert_max_num_queries(few[i]):
            response = client.get(url, params)
        assert len(response.context["rows"]) >= 10, params
