from __future__ import annotations

from rest_framework import serializers

from servicedesk.models import Department, Enterprise, Park, ServiceItem, User
from servicedesk.validators import validate_credit_code, validate_limit


def _django_validator(fn):  # type: ignore[no-untyped-def]
    """Run a Django validator inside DRF so its message becomes a field error."""
    from django.core.exceptions import ValidationError

    def run(value):  # type: ignore[no-untyped-def]
        try:
            fn(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class ParkOutput(serializers.ModelSerializer[Park]):
    class Meta:
        model = Park
        fields = ["id", "name", "name_en", "code", "zone"]


class DepartmentOutput(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ["id", "name", "name_en", "code", "park", "zone"]


class UserOutput(serializers.ModelSerializer[User]):
    role = serializers.CharField(source="effective_role")

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "enterprise", "department", "park", "language", "on_leave"]


class UserCreateInput(serializers.Serializer):  # type: ignore[type-arg]
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$", max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    role = serializers.ChoiceField(choices=User.Role.choices)
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), required=False, allow_null=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False, allow_null=True)
    park = serializers.PrimaryKeyRelatedField(queryset=Park.objects.all(), required=False, allow_null=True)
    display_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=User.Language.choices, required=False)


class EnterpriseOutput(serializers.ModelSerializer[Enterprise]):
    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "park",
            "chief_officer",
            "deputy_officer",
            "industry",
            "address",
            "contact_name",
            "contact_phone",
            "contact_email",
            "created_at",
        ]


class EnterpriseInput(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(
        max_length=18, min_length=1, validators=[_django_validator(validate_credit_code)]
    )
    park = serializers.PrimaryKeyRelatedField(queryset=Park.objects.all())
    chief_officer = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(role=User.Role.OFFICER))
    deputy_officer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role=User.Role.OFFICER), required=False, allow_null=True
    )
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)

    def validate_credit_code(self, value: str) -> str:
        qs = Enterprise.objects.filter(credit_code=value)
        instance = self.context.get("instance")
        if instance is not None:
            qs = qs.exclude(pk=instance.pk)
        if qs.exists():
            raise serializers.ValidationError("An enterprise with this credit code exists already.")
        return value


class ServiceItemSerializer(serializers.ModelSerializer[ServiceItem]):
    accept_limit = serializers.CharField(max_length=8, validators=[_django_validator(validate_limit)])
    resolve_limit = serializers.CharField(max_length=8, validators=[_django_validator(validate_limit)])

    class Meta:
        model = ServiceItem
        fields = [
            "code",
            "name",
            "name_en",
            "description",
            "department",
            "accept_limit",
            "resolve_limit",
            "clock",
            "is_active",
        ]


class TokenInput(serializers.Serializer):  # type: ignore[type-arg]
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenOutput(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField()
