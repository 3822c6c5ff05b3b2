"""The organisation (zone, parks, departments, people, enterprises), the catalogue and the
working calendar."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from . import clock
from .validators import parse_periods, parse_weekdays, validate_credit_code, validate_limit


class Zone(models.Model):
    """A development zone (开发区): the top of the organisation."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    """A park (园区) of the zone (一区多园); enterprises belong to one."""

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="parks", verbose_name=_("zone"))
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department of the administration. Zone-wide when `park` is empty."""

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="departments", verbose_name=_("zone"))
    park = models.ForeignKey(
        Park, on_delete=models.PROTECT, null=True, blank=True, related_name="departments", verbose_name=_("park")
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# The code of the error for a username that differs only in case from one in use.
USERNAME_TAKEN = "username_taken"


class UserManager(BaseUserManager["User"]):
    """Usernames are case-insensitive: `ALICE` signs in as `alice` (every sign-in goes through
    `get_by_natural_key`: the token endpoint, the web login, the admin, createsuperuser)."""

    def get_by_natural_key(self, username: str | None) -> User:
        # lower() on both sides, the expression of User's unique constraint: at most one row
        # can match (iexact compares upper() on PostgreSQL, which folds a few letters such as
        # the Greek final sigma differently), and PostgreSQL answers from the constraint's index.
        return self.alias(username_lower=Lower(self.model.USERNAME_FIELD)).get(
            username_lower=Lower(models.Value(username))
        )


class User(AbstractUser):
    """Everyone who signs in. The role decides what they do; the scope fields decide what
    they see: an enterprise user sees their `enterprise`; an officer belongs to a
    `department`; a manager is scoped to a `department` (department head), a `park`, or —
    with neither — the whole zone. Superusers are administrators whatever their role."""

    class Role(models.TextChoices):
        ENTERPRISE = "enterprise", _("enterprise user")
        OFFICER = "officer", _("service officer")
        MANAGER = "manager", _("manager")
        ADMIN = "admin", _("administrator")

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ENTERPRISE, db_index=True)
    enterprise = models.ForeignKey(
        "Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("enterprise"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )
    park = models.ForeignKey(
        Park, on_delete=models.PROTECT, null=True, blank=True, related_name="managers", verbose_name=_("park")
    )
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    on_leave = models.BooleanField(
        _("on leave"), default=False, help_text=_("An officer on leave gets no new tickets.")
    )
    deputy = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputising_for",
        verbose_name=_("deputy"),
        help_text=_("The officer who stands in while this officer is on leave."),
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["role", "department"], name="user_role_dept_idx")]
        constraints = [
            # unique regardless of case: `Alice` and `alice` cannot both exist
            models.UniqueConstraint(
                Lower("username"),
                name="user_username_ci_unique",
                violation_error_code=USERNAME_TAKEN,
                violation_error_message=_("A user with that username already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def effective_role(self) -> str:
        return self.Role.ADMIN if self.is_superuser else self.role

    def validate_constraints(self, exclude: Any = None) -> None:
        """Django reports a constraint on an expression as a non-field error; the name taken
        regardless of case belongs next to the username, in the admin's form and in the API."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as exc:
            errors: dict[str, list[ValidationError]] = exc.update_error_dict({})
            others = []
            for error in errors.pop(NON_FIELD_ERRORS, []):
                if error.code == USERNAME_TAKEN:
                    errors.setdefault("username", []).append(error)
                else:
                    others.append(error)
            if others:
                errors[NON_FIELD_ERRORS] = others
            raise ValidationError(errors) from exc

    def clean(self) -> None:
        super().clean()
        if self.is_superuser or self.role == self.Role.ADMIN:
            return
        errors: dict[str, Any] = {}
        if self.role == self.Role.ENTERPRISE and not self.enterprise_id:
            errors["enterprise"] = _("An enterprise user must belong to an enterprise.")
        if self.role != self.Role.ENTERPRISE and self.enterprise_id:
            errors["enterprise"] = _("Only enterprise users belong to an enterprise.")
        if self.role == self.Role.OFFICER and not self.department_id:
            errors["department"] = _("An officer must belong to a department.")
        if self.role != self.Role.MANAGER and self.park_id:
            errors["park"] = _("Only managers are scoped to a park.")
        if self.role == self.Role.MANAGER and self.park_id and self.department_id:
            errors["park"] = _("A manager is scoped to a department, a park, or the zone: not two at once.")
        if self.deputy_id and self.deputy_id == self.pk:
            errors["deputy"] = _("An officer cannot be their own deputy.")
        if errors:
            raise ValidationError(errors)


class Enterprise(models.Model):
    """A company in the park, served by exactly one chief officer (and maybe a deputy)."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100, with its check digit."),
    )
    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("park"))
    chief_officer = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="chief_of",
        limit_choices_to={"role": User.Role.OFFICER},
        verbose_name=_("chief service officer"),
    )
    deputy_officer = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputy_of",
        limit_choices_to={"role": User.Role.OFFICER},
        verbose_name=_("deputy service officer"),
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.chief_officer_id and self.chief_officer_id == self.deputy_officer_id:
            raise ValidationError({"deputy_officer": _("The deputy must be another officer than the chief.")})
        for field in ("chief_officer", "deputy_officer"):
            officer = getattr(self, field)
            if officer is not None and officer.role != User.Role.OFFICER:
                raise ValidationError({field: _("Choose a service officer.")})


class Clock(models.TextChoices):
    WORKING = "working", _("working time")
    NATURAL = "natural", _("natural time")


class ServiceItem(models.Model):
    """A catalogue entry (服务事项) with its committed limits (服务承诺). Limits are written
    `90m`, `2h` or `5d`; a day is a working day on the working clock, 24 hours on the
    natural clock."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="service_items", verbose_name=_("department")
    )
    accept_limit = models.CharField(_("acceptance limit"), max_length=8, validators=[validate_limit], default="1d")
    resolve_limit = models.CharField(
        _("resolution limit"),
        max_length=8,
        validators=[validate_limit],
        blank=True,
        help_text=_("Empty: the default of the ticket's kind (enquiry 2d, help 10d, complaint 15d, suggestion 10d)."),
    )
    clock = models.CharField(_("clock"), max_length=10, choices=Clock.choices, default=Clock.WORKING)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WorkCalendar(models.Model):
    """Working hours and the week; the dated exceptions are CalendarDay rows."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")
    working_weekdays = models.CharField(
        _("working weekdays"),
        max_length=7,
        default="12345",
        help_text=_("ISO weekday numbers that are working days: 1 is Monday, 7 is Sunday."),
    )
    working_hours = models.CharField(
        _("working hours"),
        max_length=100,
        default="09:00-12:00,13:30-17:30",
        help_text=_("Comma-separated periods of a working day, e.g. 09:00-12:00,13:30-17:30."),
    )
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        try:
            parse_periods(self.working_hours)
        except ValueError as exc:
            errors["working_hours"] = str(exc)
        try:
            parse_weekdays(self.working_weekdays)
        except ValueError as exc:
            errors["working_weekdays"] = str(exc)
        if errors:
            raise ValidationError(errors)


class CalendarDay(models.Model):
    """A dated exception to the week: a statutory holiday, or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday")
        WORKDAY = "workday", _("make-up working day")

    class Source(models.TextChoices):
        CHINESECALENDAR = "chinesecalendar", "chinesecalendar"
        CSV = "csv", "CSV"
        ADMIN = "admin", _("edited by hand")

    calendar = models.ForeignKey(
        WorkCalendar, on_delete=models.CASCADE, related_name="days", verbose_name=_("calendar")
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.ADMIN)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="one_entry_per_calendar_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class ApiToken(models.Model):
    """A key for `Authorization: Token <key>`, one per device or script. Only the key's SHA-256
    digest is stored (the key itself is shown once, when it is issued), with its first
    characters so that its owner can tell the keys apart. Every token expires."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, editable=False)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(
        _("last used"), help_text=_("Updated at most once a minute; issuing the token counts as a use.")
    )
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}".strip()

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new(cls, *, user_id: int, name: str = "") -> tuple[ApiToken, str]:
        """An unsaved token for the user and its key, 40 hex digits as DRF's (the key exists
        only here: store the token, hand the key over, forget it)."""
        key = secrets.token_hex(20)
        now = clock.now()
        token = cls(
            user_id=user_id,
            digest=cls.digest_of(key),
            prefix=key[: cls.PREFIX_LENGTH],
            name=name,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
        )
        return token, key
