"""servicedesk.reads.read_together: independent reads in one round trip, the same instances."""

from __future__ import annotations

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import GroupRobot
from servicedesk.models import Department, Park
from servicedesk.reads import read_together
from tests.factories import DepartmentFactory, ParkFactory

pytestmark = pytest.mark.django_db


def _fields(obj: object) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}  # type: ignore[attr-defined]


def test_two_querysets_read_together_give_what_each_gives_alone() -> None:
    # given two parks, departments, and a robot with its times and flags
    park, other = ParkFactory(), ParkFactory()
    departments = [DepartmentFactory(park=park), DepartmentFactory(park=other), DepartmentFactory(park=park)]
    robot = GroupRobot.objects.create(
        name="值班群", kind="wecom", park=park, url="https://example.com/hook", quiet_start=time(21, 30)
    )
    asked = (
        Department.objects.filter(park=park).order_by("-pk"),
        GroupRobot.objects.filter(park_id__in=[park.pk], active=True).order_by("pk"),
        Park.objects.filter(pk__in=[]),  # nothing to ask for
    )
    # when they are read together
    with CaptureQueriesContext(connection) as ctx:
        together = read_together(*asked)
    # then each list is what the queryset alone gives: same rows, order, field values and types
    alone = [list(qs) for qs in asked]
    assert [[_fields(o) for o in rows] for rows in together] == [[_fields(o) for o in rows] for rows in alone]
    assert [d.pk for d in together[0]] == [departments[2].pk, departments[0].pk]
    assert together[1][0].quiet_start == time(21, 30) and together[1][0].pk == robot.pk
    assert together[1][0]._state.adding is False  # as loaded from the database
    assert together[2] == []
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
