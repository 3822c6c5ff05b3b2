"""The visits' move out of the servicedesk app keeps every row: a database at the schema of
before the move (servicedesk 0003, no visits app) holding visits, a problem that became a
ticket, a photo and a permission on visits, migrated forward, still has all of them, in
the same tables, under the visits app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

from servicedesk import clock as time_source
from servicedesk.models import User
from tests.tickets import conftest as tickets_conftest
from visits.models import Visit, VisitPhoto, VisitProblem

pytestmark = pytest.mark.django_db(transaction=True)

clock = tickets_conftest.clock
world = tickets_conftest.world
file_ticket = tickets_conftest.file_ticket

BEFORE = [("servicedesk", "0003_username_case_insensitive"), ("visits", None)]


def migrate(targets: list[tuple[str, str | None]] | None = None) -> StateApps:
    """Migrate the test database to `targets` (default: every app's latest) and return the
    models as they are there."""
    executor = MigrationExecutor(connection)
    targets = targets or list(executor.loader.graph.leaf_nodes())
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection).loader.project_state([t for t in targets if t[1] is not None]).apps


def test_visits_problems_photos_and_permissions_survive_the_move(world, file_ticket):  # type: ignore[no-untyped-def]
    ticket_id = file_ticket()["id"]
    now = time_source.now()
    try:
        # given the schema of before the move, with its rows
        old = migrate(BEFORE)
        OldVisit = old.get_model("servicedesk", "Visit")
        assert OldVisit._meta.db_table == "servicedesk_visit"
        visit = OldVisit.objects.create(
            enterprise_id=world.enterprise.pk,
            officer_id=world.chief.pk,
            visited_at=now - timedelta(hours=2),
            method="phone",
            people_met="张经理",
            summary="了解用电需求",
            created_at=now,
        )
        old.get_model("servicedesk", "VisitProblem").objects.create(
            visit_id=visit.pk, description="需要增容", ticket_id=ticket_id
        )
        old.get_model("servicedesk", "VisitProblem").objects.create(visit_id=visit.pk, description="已当场解决")
        old.get_model("servicedesk", "VisitPhoto").objects.create(
            visit_id=visit.pk,
            file=f"visits/{visit.pk}/site.png",
            original_name="现场.png",
            content_type="image/png",
            size=1234,
            uploaded_by_id=world.chief.pk,
            created_at=now,
        )
        OldContentType = old.get_model("contenttypes", "ContentType")
        content_type, _ = OldContentType.objects.get_or_create(app_label="servicedesk", model="visit")
        permission, _ = old.get_model("auth", "Permission").objects.get_or_create(
            content_type=content_type, codename="change_visit", defaults={"name": "Can change visit"}
        )
        old.get_model("servicedesk", "User").objects.get(pk=world.park_manager.pk).user_permissions.add(permission)
    finally:
        # when the database is migrated to this version (always: the next tests need it)
        migrate()

    # then every row is there, under the visits app
    moved = Visit.objects.get(pk=visit.pk)
    assert (moved.enterprise_id, moved.officer_id, moved.method, moved.people_met, moved.summary) == (
        world.enterprise.pk,
        world.chief.pk,
        "phone",
        "张经理",
        "了解用电需求",
    )
    assert moved.visited_at == now - timedelta(hours=2)
    problems = VisitProblem.objects.filter(visit=moved).order_by("pk")
    assert [(p.description, p.ticket_id) for p in problems] == [("需要增容", ticket_id), ("已当场解决", None)]
    photo = VisitPhoto.objects.get(visit=moved)
    assert (photo.file.name, photo.original_name, photo.size) == (f"visits/{visit.pk}/site.png", "现场.png", 1234)
    # and the content type moved with its permissions: the manager may still change visits
    assert ContentType.objects.get(pk=content_type.pk).app_label == "visits"
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "visits"
    assert User.objects.get(pk=world.park_manager.pk).has_perm("visits.change_visit")
    assert not ContentType.objects.filter(app_label="servicedesk", model__in=["visit", "visitproblem"]).exists()
