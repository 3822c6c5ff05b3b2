from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

from servicedesk import services
from servicedesk.errors import Invalid, NotFound
from servicedesk.models import ApiToken, Department, Enterprise, Park, ServiceItem, User
from servicedesk.validators import validate_credit_code, validate_limit


def _django_validator(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Run a Django validator inside DRF so its message becomes a field error."""

    def run(value: Any) -> None:
        try:
            fn(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    return run


class IdField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A primary key that is a whole number: an integer, or its digits in a form field.

    DRF's own field hands whatever it gets to `queryset.get(pk=…)`, where `1.9` silently
    becomes object 1 and `1e400` (a float infinity) raises OverflowError, a 500."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and data.strip().isascii() and data.strip().isdigit():
            try:
                data = int(data.strip())
            except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits)
                self.fail("incorrect_type", data_type="str")
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class EnterpriseIdField(IdField):
    """An enterprise named in a body: one that does not exist is a 404, the answer for one
    outside the caller's scope, so that the two are never told apart."""

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        value = kwargs.get("pk_value")
        if key == "does_not_exist" and isinstance(value, int) and 0 < value < 2**63:
            raise NotFound("No such enterprise.")  # a number past any id stays a 400
        super().fail(key, **kwargs)
        raise AssertionError  # fail() always raises


class ParkOutput(serializers.ModelSerializer[Park]):
    class Meta:
        model = Park
        fields = ["id", "name", "name_en", "code", "zone"]


class DepartmentOutput(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ["id", "name", "name_en", "code", "park", "zone"]


class UserOutput(serializers.ModelSerializer[User]):
    role = serializers.ChoiceField(choices=User.Role.choices, source="effective_role", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "enterprise", "department", "park", "language", "on_leave"]


class UserCreateInput(serializers.Serializer):  # type: ignore[type-arg]
    username = serializers.RegexField(r"^[\w.@+-]{1,150}$", max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    role = serializers.ChoiceField(choices=User.Role.choices)
    enterprise = EnterpriseIdField(queryset=Enterprise.objects.all(), required=False, allow_null=True)
    department = IdField(queryset=Department.objects.all(), required=False, allow_null=True)
    park = IdField(queryset=Park.objects.all(), required=False, allow_null=True)
    display_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=User.Language.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The model's rules, a free username and a strong password, as field errors."""
        fields = {name: value for name, value in attrs.items() if name != "password"}
        try:
            services.user_validate(user=User(**fields), password=attrs["password"])
        except Invalid as exc:
            raise serializers.ValidationError(exc.detail) from exc
        return attrs


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
    park = IdField(queryset=Park.objects.all())
    chief_officer = IdField(queryset=User.objects.filter(role=User.Role.OFFICER))
    deputy_officer = IdField(queryset=User.objects.filter(role=User.Role.OFFICER), required=False, allow_null=True)
    industry = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)

    def validate_credit_code(self, value: str) -> str:
        qs = Enterprise.objects.filter(credit_code=value)
        instance = self.context.get("instance")
        if instance is not None:
            qs = qs.exclude(pk=instance.pk)
        if qs.exists():
            raise serializers.ValidationError(_("An enterprise with this credit code exists already."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.context.get("instance")
        chief = attrs["chief_officer"] if "chief_officer" in attrs else getattr(instance, "chief_officer", None)
        deputy = attrs["deputy_officer"] if "deputy_officer" in attrs else getattr(instance, "deputy_officer", None)
        if chief is not None and deputy is not None and chief.pk == deputy.pk:
            raise serializers.ValidationError(
                {"deputy_officer": [_("The deputy must be another officer than the chief.")]}
            )
        return attrs


class ServiceItemSerializer(serializers.ModelSerializer[ServiceItem]):
    """Input and output of the catalogue; the views save through the services, not here."""

    department = IdField(queryset=Department.objects.all())
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    accept_limit = serializers.CharField(max_length=8, validators=[_django_validator(validate_limit)])
    resolve_limit = serializers.CharField(
        max_length=8,
        required=False,
        allow_blank=True,
        validators=[_django_validator(validate_limit)],
        help_text="Empty: the default of the ticket's kind.",
    )

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
    name = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True, help_text="A label: the device or script."
    )


class TokenOutput(serializers.Serializer):  # type: ignore[type-arg]
    token = serializers.CharField(help_text="The key; it is shown this once.")
    expires = serializers.DateTimeField(help_text="After this the token is refused (401).")


class ApiTokenOutput(serializers.ModelSerializer):  # type: ignore[type-arg]
    """One of the caller's tokens: never its key, only the key's first characters."""

    current = serializers.SerializerMethodField(help_text="The token this request was signed with.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        current = self.context.get("current_token_id")
        return current is not None and token.pk == current


class PasswordChangeInput(serializers.Serializer):  # type: ignore[type-arg]
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)
