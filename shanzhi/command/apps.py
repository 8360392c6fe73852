from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "shanzhi.command"
    label = "command"
    verbose_name = _("指挥中心")

    def ready(self):
        # The case types whose figures the fold and the rebuild keep (command/cases/).
        from shanzhi.command import cases
        from shanzhi.command.cases.workorders import WORK_ORDERS

        cases.register(WORK_ORDERS)
