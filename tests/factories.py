"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import functools

import factory
from django.contrib.auth.hashers import make_password

from servicedesk.models import Department, Enterprise, Park, ServiceItem, User, Zone
from servicedesk.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

PASSWORD = "correct-horse-battery-staple"


@functools.cache
def _hashed_password() -> str:
    # Hashed on first use, inside a test, with the fast hasher conftest.py selects.
    return make_password(PASSWORD)


def credit_code(n: int) -> str:
    """A valid credit code, distinct for each n."""
    body = "91410100"
    digits = ""
    value = n
    for _ in range(9):
        digits = CREDIT_CODE_ALPHABET[value % 10] + digits
        value //= 10
    first17 = body + digits
    return first17 + credit_code_check_char(first17)


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone
        django_get_or_create = ("code",)

    name = "郑州经济技术开发区"
    name_en = "Zhengzhou Economic and Technological Development Zone"
    code = "zone"


class ParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Park

    zone = factory.SubFactory(ZoneFactory)
    name = factory.Sequence(lambda n: f"园区{n}")
    code = factory.Sequence(lambda n: f"park-{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    zone = factory.SubFactory(ZoneFactory)
    park = None
    name = factory.Sequence(lambda n: f"部门{n}")
    code = factory.Sequence(lambda n: f"dept-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyFunction(_hashed_password)
    role = User.Role.ENTERPRISE


class OfficerFactory(UserFactory):
    role = User.Role.OFFICER
    username = factory.Sequence(lambda n: f"officer{n}")
    department = factory.SubFactory(DepartmentFactory)


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER
    username = factory.Sequence(lambda n: f"manager{n}")


class AdminFactory(UserFactory):
    role = User.Role.ADMIN
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"企业{n}有限公司")
    credit_code = factory.Sequence(credit_code)
    park = factory.SubFactory(ParkFactory)
    chief_officer = factory.SubFactory(OfficerFactory)


class EnterpriseUserFactory(UserFactory):
    role = User.Role.ENTERPRISE
    enterprise = factory.SubFactory(EnterpriseFactory)


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"item-{n}")
    name = factory.Sequence(lambda n: f"服务事项{n}")
    department = factory.SubFactory(DepartmentFactory)
    accept_limit = "1d"
    resolve_limit = "5d"
