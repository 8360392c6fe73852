from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "shanzhi.workorders"
    label = "workorders"
    verbose_name = _("诉求与工单")

    def ready(self):
        from shanzhi.core import labels
        from shanzhi.workorders.choices import Action

        # The work-order actions are audited under their bare names (register, dispatch, …).
        labels.register(
            # dispatch_rule: the name an earlier version audited the demo's rules under.
            objects={"phone": _("来电号码"), "dispatch_rule": _("派单规则")},
            actions={
                **dict(Action.choices),
                "appellant.view": _("查看诉求人信息"),
                "appellant.search": _("按来电号码查找"),
                "appeal.tracking_locked": _("进度查询锁定"),
                "dispatchrule.co_units": _("修改派单规则的协办单位"),
            },
            messages={
                "appeal.registered": _("受理回执"),
                "appeal.replied": _("答复通知"),
                "appeal.tracking_locked": _("查询锁定提醒"),
                "workorder.new": _("新工单提醒"),
                "workorder.assigned": _("派单提醒"),
                "workorder.returned": _("退单提醒"),
                "workorder.supervised": _("督办通知"),
                "workorder.warning": _("临期预警"),
                "workorder.overdue": _("超期提醒"),
                "workorder.reminder": _("催办提醒"),
                "workorder.reopened": _("重办提醒"),
                "workorder.dissatisfied": _("不满意提醒"),
                "workorder.escalated": _("上报提醒"),
                "workorder.extension_requested": _("延期申请提醒"),
                "workorder.extension_decided": _("延期审批结果"),
                "workorder.co_replied": _("协办回复提醒"),
                "workorder.replied": _("答复待核查提醒"),
                "workorder.suspended": _("挂起提醒"),
                "workorder.resumed": _("恢复办理提醒"),
            },
            tasks={
                "shanzhi.workorders.tasks.sweep_deadlines": _("时限巡检"),
                "shanzhi.workorders.tasks.prune_held_uploads": _("清理暂存照片"),
            },
        )
        # The registry of the work-order actions: the services' guard checks look it up; and
        # what work orders keep in memory of lower apps' rows, which follows their events.
        from shanzhi.workorders import actions, subscribers  # noqa: F401
