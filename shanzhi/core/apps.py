from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shanzhi.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        # Registers the system checks; audits login lockouts.
        from django.apps import apps
        from django_tasks.signals import task_finished

        from shanzhi.core import checks, labels, login_guard  # noqa: F401
        from shanzhi.core.scheduler import record_success

        task_finished.connect(record_success, dispatch_uid="shanzhi.periodic_success")

        # The admin heads each app with its verbose name; these two packages name theirs in
        # English without gettext, so they are named here.
        apps.get_app_config("axes").verbose_name = _("登录防护")
        apps.get_app_config("django_tasks_database").verbose_name = _("后台任务")

        labels.register(
            objects={
                "api_token": _("API 令牌"),
                "audit_checkpoint": _("审计检查点"),
                "calendar": _("工作日历"),
                "calendar_day": _("工作日历日"),
                "delivery": _("消息投递"),
                "login": _("登录"),
                "user": _("人员"),
            },
            actions={
                "api_token.create": _("签发 API 令牌"),
                "api_token.rename": _("重命名 API 令牌"),
                "api_token.revoke": _("吊销 API 令牌"),
                "auth.locked_out": _("登录锁定"),
                "auth.lockout_released": _("解除登录锁定"),
                "calendar.seed": _("生成工作日历"),
                "calendar.provisional": _("按规则生成临时工作日历"),
                "calendar.import_notice": _("导入国务院放假通知"),
                "calendar_day.set": _("设置工作日历日"),
                "calendar_day.remove": _("删除工作日历日"),
                "delivery.retry": _("重新投递"),
            },
            messages={
                "audit.checkpoint": _("审计检查点"),
                "calendar.missing": _("工作日历缺少放假安排"),
            },
            tasks={
                "shanzhi.core.tasks.send_deliveries": _("投递消息"),
                "shanzhi.core.tasks.prune_task_results": _("清理任务记录"),
                "shanzhi.core.tasks.write_audit_checkpoint": _("写审计检查点"),
                "shanzhi.core.tasks.seed_calendar": _("补全工作日历"),
                "shanzhi.core.tasks.recover_tasks": _("收回失联进程的任务"),
            },
        )
