"""States, kinds and actions of appeals and work orders: value, Chinese label, badge colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345 热线")
    WEB = "web", _("网站/H5")
    WECHAT = "wechat", _("微信")
    GRID = "grid", _("网格员上报")
    SENSOR = "sensor", _("视频/物联感知")
    API = "api", _("Open311/API")
    WALK_IN = "walk_in", _("来访")
    ASSIGNED = "assigned", _("上级交办")


class Nature(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


# Natures that can be answered on the spot by the operator (直办).
DIRECT_ANSWER_NATURES = frozenset({Nature.CONSULT, Nature.HELP, Nature.SUGGESTION, Nature.PRAISE})


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class State(models.TextChoices):
    PENDING_DISPATCH = "pending_dispatch", _("待派单")  # new, returned or escalated
    PENDING_SIGN = "pending_sign", _("待签收")  # dispatched to a lead unit
    HANDLING = "handling", _("办理中")  # signed for by the lead unit
    SUSPENDED = "suspended", _("已挂起")  # clock stopped by the dispatcher
    PENDING_VERIFY = "pending_verify", _("待核查")  # replied, the dispatcher checks the answer
    PENDING_RATING = "pending_rating", _("待回访")  # answer accepted, waiting for the appellant
    ARCHIVED = "archived", _("已归档")  # closed
    MERGED = "merged", _("已合并")  # a duplicate, folded into another work order


STATE_COLOURS = {
    State.PENDING_DISPATCH: "warning",
    State.PENDING_SIGN: "info",
    State.HANDLING: "primary",
    State.SUSPENDED: "secondary",
    State.PENDING_VERIFY: "info",
    State.PENDING_RATING: "success",
    State.ARCHIVED: "dark",
    State.MERGED: "light",
}
# The state sets, each defined once. Open: still with the dispatcher or a handling unit.
OPEN_STATES = frozenset(
    {State.PENDING_DISPATCH, State.PENDING_SIGN, State.HANDLING, State.SUSPENDED}
)
# States in which the handling deadline runs.
CLOCK_STATES = frozenset({State.PENDING_SIGN, State.HANDLING})
# Answered: the appellant has the accepted answer (waiting for the rating, or archived).
ANSWERED_STATES = frozenset({State.PENDING_RATING, State.ARCHIVED})
# Closed: nothing more happens to the order (archived, or merged into another one).
CLOSED_STATES = frozenset({State.ARCHIVED, State.MERGED})
# Finished: no unit works on it any more (answered or merged): nothing left to supervise, and
# what Open311 calls "closed".
FINISHED_STATES = ANSWERED_STATES | CLOSED_STATES


class ReturnReason(models.TextChoices):
    WRONG_TERRITORY = "wrong_territory", _("属地不符")
    UNCLEAR_OWNERSHIP = "unclear_ownership", _("权属不清")
    OVERLAPPING_DUTIES = "overlapping_duties", _("职能交叉")
    OUT_OF_SCOPE = "out_of_scope", _("不属受理范围")


class ReplyResult(models.TextChoices):
    SOLVED = "solved", _("已解决")
    PARTLY = "partly", _("部分解决")
    UNSOLVED = "unsolved", _("未解决")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


# What counts as satisfied in 满意率 (domain.md §2): 满意 and 基本满意.
SATISFIED_RATINGS = (Rating.SATISFIED, Rating.BASICALLY)


class Supervision(models.TextChoices):
    NONE = "", _("无")
    NORMAL = "normal", _("普通督办")
    YELLOW = "yellow", _("黄牌督办")
    RED = "red", _("红牌督办")


SUPERVISION_COLOURS = {
    Supervision.NORMAL: "info",
    Supervision.YELLOW: "warning",
    Supervision.RED: "danger",
}


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


class AssignmentState(models.TextChoices):
    PENDING_SIGN = "pending_sign", _("待签收")
    SIGNED = "signed", _("已签收")
    REPLIED = "replied", _("已回复")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")  # re-dispatched or escalated elsewhere


# Assignments still in play (not returned or withdrawn).
ACTIVE_ASSIGNMENT = (AssignmentState.PENDING_SIGN, AssignmentState.SIGNED, AssignmentState.REPLIED)


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("已驳回")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    AUDIO = "audio", _("录音")
    VIDEO = "video", _("视频")
    DOCUMENT = "document", _("文档")


class AttachmentStep(models.TextChoices):
    """Which step brought a file: the appeal itself, or the lead unit's reply (办理后照片)."""

    APPEAL = "appeal", _("诉求")
    REPLY = "reply", _("回复")


class RatingVia(models.TextChoices):
    APPELLANT = "appellant", _("诉求人自评")
    PHONE = "phone", _("电话回访")
    AUTO = "auto", _("超期默认")


class AttributeType(models.TextChoices):
    """The datatypes of Open311 service-definition attributes."""

    STRING = "string", _("单行文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("多行文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


LIST_ATTRIBUTE_TYPES = frozenset({AttributeType.SINGLE, AttributeType.MULTI})


class Action(models.TextChoices):
    """Every action on a work order; the audit trail records them under these names."""

    REGISTER = "register", _("受理")
    ANSWER_DIRECTLY = "answer_directly", _("直办")
    MERGE = "merge", _("合并")
    DISPATCH = "dispatch", _("派单")
    SIGN = "sign", _("签收")
    RETURN = "return", _("退单")
    REQUEST_EXTENSION = "request_extension", _("延期申请")
    DECIDE_EXTENSION = "decide_extension", _("延期审批")
    SUSPEND = "suspend", _("挂起")
    RESUME = "resume", _("恢复")
    NOTE = "note", _("过程反馈")
    ESCALATE = "escalate", _("上报")
    SUPERVISE = "supervise", _("督办")
    REPLY = "reply", _("回复")
    CO_REPLY = "co_reply", _("协办回复")
    VERIFY = "verify", _("核查")
    RATE = "rate", _("评价")
    ARCHIVE = "archive", _("归档")
    WARN = "warn", _("临期预警")
    OVERDUE = "overdue", _("超期")
    REMIND = "remind", _("催办")
    # 转调解: the lead unit hands a dispute to a people's mediation committee (mediation app);
    # the order waits, suspended, and the mediation's outcome becomes its reply.
    REFER_MEDIATION = "refer_mediation", _("转调解")


# Steps an appellant sees on the tracking page (progress notes only when marked public).
PUBLIC_ACTIONS = frozenset(
    {
        Action.REGISTER,
        Action.ANSWER_DIRECTLY,
        Action.MERGE,
        Action.DISPATCH,
        Action.SIGN,
        Action.NOTE,
        Action.REFER_MEDIATION,
        Action.REPLY,
        Action.VERIFY,
        Action.RATE,
        Action.ARCHIVE,
    }
)
