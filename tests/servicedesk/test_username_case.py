"""Usernames ignore case: `ALICE` signs in as `alice` on the web and in the admin (the API
token is in test_org_api), and no two accounts have names that differ only in case — not
through the admin, not even by writing the row directly."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from servicedesk.models import User
from tests.factories import PASSWORD, AdminFactory, DepartmentFactory, OfficerFactory

pytestmark = pytest.mark.django_db


def test_the_manager_finds_a_user_by_the_name_in_any_case():
    # given "alice"
    alice = OfficerFactory(username="alice")
    # when looked up by the name as typed in other cases, then it is her
    assert User.objects.get_by_natural_key("ALICE") == alice
    assert User.objects.get_by_natural_key("Alice") == alice
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("alic")


@pytest.mark.parametrize("typed", ["ALICE", "Alice"])
def test_the_web_login_ignores_the_case_of_the_username(client, typed):
    # given "alice"
    alice = OfficerFactory(username="alice")
    # when she signs in on the web with her name in another case
    response = client.post(reverse("login"), {"username": typed, "password": PASSWORD})
    # then she is signed in
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_the_admin_login_ignores_the_case_of_the_username(client):
    # given an administrator "Root"
    admin = AdminFactory(username="Root")
    # when they sign in to the admin as "root"
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    # then they are signed in
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


def test_the_database_refuses_a_name_differing_only_in_case():
    # given "alice"
    OfficerFactory(username="alice")
    # when "ALICE" is written directly, past every validation
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ALICE", role=User.Role.MANAGER)
    # then only "alice" exists
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]


def test_the_admin_refuses_to_add_a_name_differing_only_in_case(client):
    # given "alice", and an administrator in the admin
    OfficerFactory(username="alice")
    client.force_login(AdminFactory())
    users_before = User.objects.count()
    # when the administrator adds "ALICE"
    response = client.post(
        reverse("admin:servicedesk_user_add"),
        {
            "username": "ALICE",
            "usable_password": "true",
            "password1": "Lantern-Quarry-7731",
            "password2": "Lantern-Quarry-7731",
            "role": User.Role.OFFICER,
            "department": DepartmentFactory().pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the form comes back with the error on the username, and nothing is added
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == ["A user with that username already exists."]
    assert User.objects.count() == users_before


def test_the_admin_refuses_to_rename_to_a_name_differing_only_in_case(client):
    # given "alice" and "bob", and an administrator in the admin
    OfficerFactory(username="alice")
    bob = OfficerFactory(username="bob")
    client.force_login(AdminFactory())
    page = client.get(reverse("admin:servicedesk_user_change", args=[bob.pk]))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        username="Alice",
        date_joined_0=bob.date_joined.strftime("%Y-%m-%d"),
        date_joined_1=bob.date_joined.strftime("%H:%M:%S"),
        **{"groups": [], "user_permissions": []},
    )
    # when bob is renamed "Alice"
    response = client.post(reverse("admin:servicedesk_user_change", args=[bob.pk]), data, HTTP_ACCEPT_LANGUAGE="en")
    # then the form comes back with the error on the username, and bob keeps his name
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == ["A user with that username already exists."]
    bob.refresh_from_db()
    assert bob.username == "bob"


def test_the_migration_stops_with_the_names_when_some_differ_only_in_case():
    # given accounts from before the constraint whose names differ only in case (the index
    # dropped for this test only: DDL rolls back with the test's transaction)
    migration = importlib.import_module("servicedesk.migrations.0003_username_case_insensitive")
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX user_username_ci_unique")
    for name in ("alice", "Alice", "bob", "BOB", "carol"):
        User.objects.create(username=name, role=User.Role.MANAGER)
    # when the migration's check runs, then it refuses, naming each group
    with pytest.raises(RuntimeError) as refused:
        migration.refuse_names_differing_only_in_case(apps, SimpleNamespace(connection=connection))
    assert "Alice, alice" in str(refused.value)
    assert "BOB, bob" in str(refused.value)
    assert "carol" not in str(refused.value)
