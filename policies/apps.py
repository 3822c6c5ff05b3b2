from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Support policies")

    def ready(self) -> None:
        from . import texts  # noqa: F401  registers what the policy notifications say
