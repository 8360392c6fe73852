from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "shanzhi.command"
    label = "command"
    verbose_name = _("指挥中心")

    def ready(self):
        from shanzhi.core import labels

        labels.register(
            objects={"assessment": _("月度考核")},
            actions={
                "assessment.publish": _("发布考核结果"),
                "assessment.figures_changed": _("已发布考核的数据变动"),
            },
            tasks={"shanzhi.command.tasks.fold_rollups": _("更新指挥中心汇总")},
        )
        # The case types whose figures the fold and the rebuild keep (command/cases/).
        from shanzhi.command import cases
        from shanzhi.command.cases.mediation import DISPUTES
        from shanzhi.command.cases.workorders import WORK_ORDERS
        from shanzhi.command.selectors.workload import workorder_inbox_counts
        from shanzhi.core import inbox_counts

        cases.register(WORK_ORDERS)
        cases.register(DISPUTES)
        # The inboxes of workorders are counted from the workload table the fold keeps.
        inbox_counts.register(WORK_ORDERS.kind, workorder_inbox_counts)
