"""The navigation bar: each entry names the roles that see it (None: everyone signed in)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shanzhi.org.choices import (
    COMMAND_ROLES,
    HOTLINE_ROLES,
    MEDIATION_OVERSIGHT_ROLES,
    MEDIATION_ROLES,
    REGISTER_ROLES,
    SCOPED_ROLES,
    Role,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset | None = None


NAV_ITEMS = [
    NavItem(_("工作台"), "home"),
    NavItem(_("工单"), "workorder-list", SCOPED_ROLES),
    NavItem(_("登记诉求"), "workorder-new", REGISTER_ROLES - {Role.GRID_WORKER}),
    NavItem(_("网格上报"), "workorder-report", frozenset({Role.GRID_WORKER})),
    NavItem(_("网格地图"), "territory-map", SCOPED_ROLES),
    NavItem(_("指挥大屏"), "command-dashboard", COMMAND_ROLES),
    NavItem(_("考核排名"), "command-assessment", COMMAND_ROLES),
    NavItem(_("热线来件"), "hotline-list", HOTLINE_ROLES),
    NavItem(_("矛盾调解"), "mediation-list", MEDIATION_ROLES | MEDIATION_OVERSIGHT_ROLES),
    NavItem(_("消息投递"), "delivery-list", frozenset({Role.ADMIN, Role.DISTRICT_COMMANDER})),
    NavItem(_("我要反映"), "appeal-new"),
    NavItem(_("进度查询"), "track"),
    NavItem(_("调解查询"), "mediation-track"),
]


def items_for(user, roles: set[str]) -> list[dict]:
    visible = []
    for item in NAV_ITEMS:
        if item.roles is None or user.is_superuser or roles & item.roles:
            visible.append(
                {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
            )
    return visible
