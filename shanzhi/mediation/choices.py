"""The mediation centre's states, actions and kinds, with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    CENTRE = "centre", _("县级矛调中心")
    TOWNSHIP_COMMITTEE = "township_committee", _("乡镇（街道）人民调解委员会")
    VILLAGE_COMMITTEE = "village_committee", _("村（社区）人民调解委员会")
    SECTOR_COMMITTEE = "sector_committee", _("行业性专业性调解委员会")
    LAWYER_STUDIO = "lawyer_studio", _("律师调解工作室")
    RED_BLUE_GROUP = "red_blue_group", _("红带蓝调解小组")


class MediationLevel(models.TextChoices):
    """Where a dispute is handled: 小事不出村、大事不出镇、矛盾不上交."""

    VILLAGE = "village", _("村（社区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    COUNTY = "county", _("县（区）")


class DisputeSource(models.TextChoices):
    WINDOW = "window", _("窗口受理")
    WORKORDER = "workorder", _("工单转入")
    ONLINE = "online", _("网上申请")
    COURT = "court", _("法院委派")


class DisputeState(models.TextChoices):
    PENDING = "pending", _("待分派")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("已达成协议")
    FAILED = "failed", _("调解不成")
    REFERRED = "referred", _("已转出")


OPEN_STATES = (DisputeState.PENDING, DisputeState.MEDIATING)
CLOSED_STATES = (DisputeState.AGREED, DisputeState.FAILED, DisputeState.REFERRED)


class Action(models.TextChoices):
    REGISTER = "register", _("受理")
    ASSIGN = "assign", _("分派")
    ESCALATE = "escalate", _("上报")
    REFER_OUT = "refer_out", _("转出调解")
    CONSULT = "consult", _("会商研判")
    SUSPEND = "suspend", _("中止调解")
    RESUME = "resume", _("恢复调解")
    SCHEDULE = "schedule", _("安排调解会")
    RECORD = "record", _("记录调解会")
    AGREE = "agree", _("达成协议")
    FAIL = "fail", _("调解不成")
    RATE = "rate", _("当事人评价")
    EVIDENCE = "evidence", _("提交证据")
    SIGN = "sign", _("当场签字确认")
    FOLLOW_UP = "follow_up", _("履行回访")
    PARTY_CONFIRM = "party_confirm", _("当事人网上确认协议")
    CONFIRM_APPLY = "confirm_apply", _("申请司法确认")
    CONFIRM_ACCEPT = "confirm_accept", _("法院受理决定")
    CONFIRM_RULE = "confirm_rule", _("法院确认裁定")
    CONFIRM_REMIND = "confirm_remind", _("司法确认申请提醒")
    CONFIRM_LATE = "confirm_late", _("法院受理超期")
    WARN = "warn", _("临期预警")
    OVERDUE = "overdue", _("超期")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    AGENT = "agent", _("代理人")


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANISATION = "organisation", _("单位")


class ConfirmVia(models.TextChoices):
    """How a party confirmed the agreement (调解协议书): signed on the spot, or online with the
    code sent to their phone."""

    IN_PERSON = "in_person", _("当场签字")
    ONLINE = "online", _("网上确认")


class Fulfilment(models.TextChoices):
    """What the follow-up (履行回访) found."""

    FULFILLED = "fulfilled", _("已履行")
    PARTLY = "partly", _("部分履行，继续跟进")
    BROKEN = "broken", _("未履行，重新调解")


class ReferralTarget(models.TextChoices):
    ARBITRATION = "arbitration", _("劳动人事争议仲裁")
    LITIGATION = "litigation", _("诉讼")
    PETITION = "petition", _("信访")
    ADMINISTRATIVE = "administrative", _("行政裁决")


class SessionKind(models.TextChoices):
    ROOM = "room", _("现场（说事室）")
    VIDEO = "video", _("视频调解")


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", _("待召开")
    HELD = "held", _("已召开")


class ConfirmationState(models.TextChoices):
    """司法确认: the parties apply jointly within 30 days of the agreement; the court decides
    within 3 days whether to accept, then confirms the agreement or refuses."""

    APPLIED = "applied", _("已申请")
    ACCEPTED = "accepted", _("法院已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    CONFIRMED = "confirmed", _("已确认有效")
    REFUSED = "refused", _("驳回申请")


CONFIRMATION_PENDING = (ConfirmationState.APPLIED, ConfirmationState.ACCEPTED)
