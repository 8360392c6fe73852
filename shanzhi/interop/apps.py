from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "shanzhi.interop"
    label = "interop"
    verbose_name = _("对外接口")

    def ready(self):
        from shanzhi.core import outbox
        from shanzhi.interop.callbacks import platform_secret

        # Callbacks to a 12345 platform are signed with the platform's secret.
        outbox.ROUTE_SECRETS["hotline"] = platform_secret
        from shanzhi.interop import callbacks  # noqa: F401  (subscribes to the work-order events)
