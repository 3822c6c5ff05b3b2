from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from servicedesk.calendar import calendar_days_upsert, chinesecalendar_entries, default_calendar
from servicedesk.models import Department, Enterprise, Park, ServiceItem, User
from tests.factories import (
    AdminFactory,
    DepartmentFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    ManagerFactory,
    OfficerFactory,
    ParkFactory,
    ServiceItemFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Tuesday morning in an ordinary working week.
T0 = datetime(2026, 11, 17, 10, 0, tzinfo=SHANGHAI)


@dataclass
class World:
    park: Park
    other_park: Park
    service_dept: Department
    power_dept: Department
    chief: User
    deputy: User
    other_officer: User
    power_officer: User
    enterprise: Enterprise
    other_enterprise: Enterprise
    company: User
    other_company: User
    park_manager: User
    other_park_manager: User
    zone_manager: User
    dept_head: User
    admin: User
    item: ServiceItem


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock) -> World:
    calendar_days_upsert(calendar=default_calendar(), entries=chinesecalendar_entries(2026), source="chinesecalendar")
    park, other_park = ParkFactory(), ParkFactory()
    service_dept = DepartmentFactory(name="企业服务中心")
    power_dept = DepartmentFactory(name="供电服务中心")
    chief = OfficerFactory(department=service_dept, display_name="王首席")
    deputy = OfficerFactory(department=service_dept, display_name="李副手")
    other_officer = OfficerFactory(department=service_dept)
    power_officer = OfficerFactory(department=power_dept)
    enterprise = EnterpriseFactory(park=park, chief_officer=chief, deputy_officer=deputy)
    other_enterprise = EnterpriseFactory(park=other_park, chief_officer=other_officer)
    return World(
        park=park,
        other_park=other_park,
        service_dept=service_dept,
        power_dept=power_dept,
        chief=chief,
        deputy=deputy,
        other_officer=other_officer,
        power_officer=power_officer,
        enterprise=enterprise,
        other_enterprise=other_enterprise,
        company=EnterpriseUserFactory(enterprise=enterprise),
        other_company=EnterpriseUserFactory(enterprise=other_enterprise),
        park_manager=ManagerFactory(park=park),
        other_park_manager=ManagerFactory(park=other_park),
        zone_manager=ManagerFactory(),
        dept_head=ManagerFactory(department=power_dept),
        admin=AdminFactory(),
        item=ServiceItemFactory(code="power-connect", department=power_dept, accept_limit="4h", resolve_limit="5d"),
    )


@pytest.fixture
def file_ticket(world, api_as):
    """file_ticket(**overrides) → the created ticket's JSON, filed by the company user (an
    urgent one by its chief officer on its behalf: only staff mark a ticket urgent)."""

    def make(**overrides):
        body = {
            "title": "用电报装",
            "description": "新厂房需要接入 10kV 电源",
            "kind": "help",
            "service_item": world.item.code,
            "priority": "normal",
            **overrides,
        }
        if body["priority"] == "urgent":
            response = api_as(world.chief).post(
                "/api/v1/tickets/", {**body, "enterprise": world.enterprise.pk}, format="json"
            )
        else:
            response = api_as(world.company).post("/api/v1/tickets/", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return make
