from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shanzhi.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        # Registers the system checks; audits login lockouts.
        from shanzhi.core import checks, login_guard  # noqa: F401
