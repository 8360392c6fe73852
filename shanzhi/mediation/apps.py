from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "shanzhi.mediation"
    label = "mediation"
    verbose_name = _("矛盾纠纷调解")

    def ready(self):
        from shanzhi.core import labels
        from shanzhi.mediation import actions  # noqa: F401  (the registry of the case's actions)
        from shanzhi.mediation.choices import Action

        actions.register_on_work_orders()
        labels.register(
            objects={"mediation": _("调解案件")},
            actions={**dict(Action.choices), "mediation.parties_view": _("查看当事人信息")},
            messages={
                "mediation.session": _("调解会通知"),
                "mediation.assigned": _("新调解案件"),
                "mediation.applied": _("调解申请回执"),
                "mediation.referred_in": _("法院委派受理告知"),
                "mediation.assigned_party": _("调解承办告知"),
                "mediation.warn": _("调解临期预警"),
                "mediation.overdue": _("调解超期提醒"),
                "mediation.confirm_remind": _("司法确认申请提醒"),
                "mediation.confirm_late": _("法院受理超期提醒"),
            },
            tasks={"shanzhi.mediation.tasks.sweep_deadlines": _("调解时限巡检")},
        )
