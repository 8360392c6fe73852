from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "shanzhi.workorders"
    label = "workorders"
    verbose_name = _("诉求与工单")

    def ready(self):
        # The registry of the work-order actions: the services' guard checks look it up; and
        # what work orders keep in memory of lower apps' rows, which follows their events.
        from shanzhi.workorders import actions, subscribers  # noqa: F401
