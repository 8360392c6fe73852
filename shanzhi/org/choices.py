from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    CENTRE = "centre", _("社会治理中心")
    COMMAND_ROOM = "command_room", _("综合指挥室")
    PLATFORM_ZONGZHI = "platform_zongzhi", _("综治工作平台")
    PLATFORM_MARKET = "platform_market", _("市场监管平台")
    PLATFORM_ENFORCEMENT = "platform_enforcement", _("综合执法平台")
    PLATFORM_SERVICE = "platform_service", _("便民服务平台")
    DEPARTMENT = "department", _("职能部门")
    VILLAGE_COMMITTEE = "village_committee", _("村(居)委会")
    MEDIATION = "mediation", _("调解组织")


class Role(models.TextChoices):
    """What a person does in a unit. One person may hold several roles in several units."""

    RESIDENT = "resident", _("群众")
    OPERATOR = "operator", _("话务员")
    GRID_WORKER = "grid_worker", _("网格员")
    VILLAGE_CLERK = "village_clerk", _("村社干部")
    TOWNSHIP_DISPATCHER = "township_dispatcher", _("乡镇分拨员")
    DEPARTMENT_HANDLER = "department_handler", _("部门承办人")
    DISTRICT_COMMANDER = "district_commander", _("区县指挥长")
    MEDIATOR = "mediator", _("调解员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("系统管理员")


# Roles whose membership lets the holder see the objects in the unit's jurisdiction. A resident
# belongs to a village but sees only what is theirs.
SCOPED_ROLES = frozenset(Role.values) - {Role.RESIDENT}


class GridDuty(models.TextChoices):
    LEADER = "leader", _("网格长")
    FULL_TIME = "full_time", _("专职网格员")
    PART_TIME = "part_time", _("兼职网格员")
