from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "shanzhi.interop"
    label = "interop"
    verbose_name = _("对外接口")

    def ready(self):
        from django.utils.text import format_lazy

        from shanzhi.core import labels
        from shanzhi.interop.choices import CourtStatus, HotlineStatus

        labels.register(
            messages={
                **{
                    f"hotline.{status}": format_lazy("{}{}", _("回传 12345："), label)
                    for status, label in HotlineStatus.choices
                },
                **{
                    f"court.{status}": format_lazy("{}{}", _("回传法院："), label)
                    for status, label in CourtStatus.choices
                },
            },
            objects={"hotline_order": _("热线来件"), "court_referral": _("法院委派")},
            actions={
                "court.receive": _("接收法院委派"),
                "alarm.open": _("告警立案"),
                "alarm.fold": _("告警并入已有工单"),
                "hotline.receive": _("接收热线来件"),
            },
        )
        from shanzhi.core import outbox
        from shanzhi.interop.callbacks import court_secret, platform_secret

        # Callbacks to a 12345 platform (a court) are signed with the platform's (court's) secret.
        outbox.ROUTE_SECRETS["hotline"] = platform_secret
        outbox.ROUTE_SECRETS["court"] = court_secret
        from shanzhi.interop import callbacks  # noqa: F401  (subscribes to the work-order events)
