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


# Who may see and do what: every role set of every app is here, next to the roles, so that one
# place answers "who may …". `org.access.Actor` applies them to a signed-in person.

# Roles whose membership lets the holder see the objects in the unit's jurisdiction. A resident
# belongs to a village but sees only what is theirs.
SCOPED_ROLES = frozenset(Role.values) - {Role.RESIDENT}
# See every case whose area lies in their units' jurisdiction (the others see the cases their
# unit was ever assigned).
TERRITORIAL_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.GRID_WORKER,
        Role.VILLAGE_CLERK,
        Role.TOWNSHIP_DISPATCHER,
        Role.DISTRICT_COMMANDER,
        Role.LEADER,
        Role.ADMIN,
    }
)
# Triage, dispatch, rule on returns and extensions, suspend, verify for their unit.
DISPATCH_ROLES = frozenset({Role.TOWNSHIP_DISPATCHER, Role.DISTRICT_COMMANDER})
# Sign for, handle and reply to what is assigned to their unit.
HANDLER_ROLES = frozenset(
    {
        Role.DEPARTMENT_HANDLER,
        Role.VILLAGE_CLERK,
        Role.GRID_WORKER,
        Role.TOWNSHIP_DISPATCHER,
        Role.DISTRICT_COMMANDER,
        Role.MEDIATOR,
    }
)
# Supervise (督办) anything in their territory.
SUPERVISE_ROLES = frozenset({Role.LEADER, Role.DISTRICT_COMMANDER})
# Register appeals for residents (and claim the staff channels and urgencies).
REGISTER_ROLES = frozenset(
    {
        Role.OPERATOR,
        Role.TOWNSHIP_DISPATCHER,
        Role.DISTRICT_COMMANDER,
        Role.GRID_WORKER,
        Role.VILLAGE_CLERK,
    }
)
# Record ratings taken by phone (电话回访).
PHONE_ROLES = frozenset({Role.OPERATOR, Role.TOWNSHIP_DISPATCHER, Role.DISTRICT_COMMANDER})
# See the command centre; publish a month's assessment.
COMMAND_ROLES = frozenset(
    {Role.LEADER, Role.DISTRICT_COMMANDER, Role.TOWNSHIP_DISPATCHER, Role.ADMIN}
)
PUBLISH_ROLES = frozenset({Role.DISTRICT_COMMANDER, Role.ADMIN})
# Follow the 12345 platforms' hand-overs (热线来件).
HOTLINE_ROLES = frozenset(
    {Role.OPERATOR, Role.TOWNSHIP_DISPATCHER, Role.DISTRICT_COMMANDER, Role.ADMIN}
)

# The mediation centre (mediation app): its staff take in, assign and mediate disputes of their
# organisations; oversight roles see the cases of their territory, with the parties masked.
MEDIATION_ROLES = frozenset({Role.MEDIATOR})
MEDIATION_OVERSIGHT_ROLES = frozenset({Role.LEADER, Role.DISTRICT_COMMANDER, Role.ADMIN})


class GridDuty(models.TextChoices):
    LEADER = "leader", _("网格长")
    FULL_TIME = "full_time", _("专职网格员")
    PART_TIME = "part_time", _("兼职网格员")
