from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "shanzhi.org"
    label = "org"
    verbose_name = _("单位与人员")

    def ready(self):
        from shanzhi.core import labels

        labels.register(
            objects={"person": _("人员"), "party_member": _("联户党员"), "households": _("住户")},
            actions={
                "grid.assign": _("指派网格人员"),
                "grid.unassign": _("撤下网格人员"),
                "membership.grant": _("授予任职"),
                "membership.revoke": _("撤销任职"),
                "person.password": _("重设密码"),
                "party_member.link": _("党员联户结对"),
                "households.register": _("批量登记住户"),
                "household.visit": _("入户走访"),
            },
        )
