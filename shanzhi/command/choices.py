"""The measures the rollups count and the KPIs built from them: one place for labels, formulas
and the direction in which a KPI is good."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

# Who sees the command centre, and who publishes a month's assessment (org.choices keeps every
# role set).
from shanzhi.org.choices import COMMAND_ROLES
from shanzhi.org.choices import PUBLISH_ROLES as PUBLISH_ROLES

VIEW_ROLES = COMMAND_ROLES


class Measure(models.TextChoices):
    """Counts kept per day × area × unit × category × channel × nature. Each is attributed to
    the day of the event that defines its cohort (see docs/command.md)."""

    REGISTERED = "registered", _("受理量")  # registration day, the dispatching unit
    DIRECT = "direct", _("直办量")  # registration day
    DISPATCHED = "dispatched", _("派单量")  # each lead assignment, its day and unit
    SIGNED_IN_TIME = "signed_in_time", _("及时签收量")  # of those assignments
    RETURNED = "returned", _("退单量")  # of those assignments
    DUE = "due", _("应办结量")  # handling deadline's day, the lead unit
    DUE_REPLIED = "due_replied", _("已办结量")  # of those due
    ON_TIME = "on_time", _("按时办结量")  # of those due: replied by the deadline
    OVERDUE = "overdue", _("超期量")  # of those due: marked overdue by the sweep
    REPLIED = "replied", _("回复量")  # reply day, the lead unit
    REPLIED_RATED = "replied_rated", _("已回访量")  # of those replied: rated
    REOPENED = "reopened", _("重办量")  # of those replied: handled again at least once
    HANDLING_MINUTES = "handling_minutes", _("办理用时(分钟)")  # of those replied
    RATED = "rated", _("评价量")  # rating day, the lead unit
    SATISFIED = "satisfied", _("满意量")  # 满意 + 基本满意
    DISSATISFIED = "dissatisfied", _("不满意量")
    RED_CARDS = "red_cards", _("红牌督办量")  # registration day, the lead unit
    # Disputes (command/cases/mediation.py), each for the organisation that has the case.
    DISPUTES = "disputes", _("纠纷受理量")  # intake day
    DISPUTES_CLOSED = "disputes_closed", _("调解结案量")  # closing day
    DISPUTES_RESOLVED = "disputes_resolved", _("调解成功量")  # of those closed: an agreement
    DISPUTES_ON_TIME = "disputes_on_time", _("按期结案量")  # of those closed: within the period
    DISPUTE_MINUTES = "dispute_minutes", _("调解用时(分钟)")  # of those closed: intake → close
    DISPUTES_ZERO_VISIT = "disputes_zero_visit", _("零跑量")  # of those closed: never came
    DISPUTES_ONE_VISIT = "disputes_one_visit", _("一次跑量")  # of those closed: came once
    COURT_CLOSED = "court_closed", _("诉前调解结案量")  # of those closed: referred by the court
    COURT_RESOLVED = "court_resolved", _("诉前化解量")  # of those: an agreement
    DISPUTES_RATED = "disputes_rated", _("调解评价量")  # rating day
    DISPUTES_SATISFIED = "disputes_satisfied", _("调解满意量")  # 满意 + 基本满意
    CONFIRMED = "confirmed", _("司法确认量")  # the court's ruling day: confirmed as valid


MEASURES = list(Measure.values)


class KpiKey(models.TextChoices):
    SIGN_RATE = "sign_rate", _("及时签收率")
    ON_TIME_RATE = "on_time_rate", _("按时办结率")
    CLOSE_RATE = "close_rate", _("办结率")
    SATISFACTION_RATE = "satisfaction_rate", _("满意率")
    VISIT_RATE = "visit_rate", _("回访率")
    RETURN_RATE = "return_rate", _("退单率")
    REOPEN_RATE = "reopen_rate", _("重办率")
    DIRECT_RATE = "direct_rate", _("直办率")


@dataclass(frozen=True)
class Kpi:
    """A rate: numerator ÷ denominator, both measures (shared/domain.md §2)."""

    key: "KpiKey | MediationKpiKey"
    numerator: str
    denominator: str
    higher_is_better: bool = True

    @property
    def label(self):
        return self.key.label

    @property
    def definition(self):
        return KPI_DEFINITIONS.get(self.key) or MEDIATION_KPI_DEFINITIONS[self.key]


# What each KPI counts, shown beside it on the pages (the "?") and in docs/command.md.
KPI_DEFINITIONS = {
    KpiKey.SIGN_RATE: _("及时签收量 ÷ 派单量：统计期内派出的主办任务中，在签收时限内签收的比例。"),
    KpiKey.ON_TIME_RATE: _(
        "按时办结量 ÷ 应办结量：办理时限落在统计期内、且在今天之前已经到期的工单中，"
        "在时限内回复的比例。时限未到的工单不计入，月初的比率因此不受月底到期工单影响。"
    ),
    KpiKey.CLOSE_RATE: _(
        "已办结量 ÷ 应办结量：办理时限落在统计期内、且在今天之前已经到期的工单中，已回复的比例。"
    ),
    KpiKey.SATISFACTION_RATE: _(
        "满意量 ÷ 评价量：统计期内作出评价的工单中，“满意”和“基本满意”的比例。"
    ),
    KpiKey.VISIT_RATE: _("已回访量 ÷ 回复量：统计期内回复的工单中，已取得群众评价的比例。"),
    KpiKey.RETURN_RATE: _("退单量 ÷ 派单量：统计期内派出的主办任务中被退回的比例，越低越好。"),
    KpiKey.REOPEN_RATE: _(
        "重办量 ÷ 回复量：统计期内回复的工单中，至少重办过一次的比例，越低越好。"
    ),
    KpiKey.DIRECT_RATE: _("直办量 ÷ 受理量：统计期内受理的诉求中，当场答复（直办）的比例。"),
}


KPIS = [
    Kpi(KpiKey.SIGN_RATE, Measure.SIGNED_IN_TIME, Measure.DISPATCHED),
    Kpi(KpiKey.ON_TIME_RATE, Measure.ON_TIME, Measure.DUE),
    Kpi(KpiKey.CLOSE_RATE, Measure.DUE_REPLIED, Measure.DUE),
    Kpi(KpiKey.SATISFACTION_RATE, Measure.SATISFIED, Measure.RATED),
    Kpi(KpiKey.VISIT_RATE, Measure.REPLIED_RATED, Measure.REPLIED),
    Kpi(KpiKey.RETURN_RATE, Measure.RETURNED, Measure.DISPATCHED, higher_is_better=False),
    Kpi(KpiKey.REOPEN_RATE, Measure.REOPENED, Measure.REPLIED, higher_is_better=False),
    Kpi(KpiKey.DIRECT_RATE, Measure.DIRECT, Measure.REGISTERED),
]
KPI_BY_KEY = {kpi.key.value: kpi for kpi in KPIS}


class MediationKpiKey(models.TextChoices):
    RESOLVE_RATE = "resolve_rate", _("化解率")
    ON_TIME_RATE = "dispute_on_time_rate", _("按期结案率")
    SATISFACTION_RATE = "dispute_satisfaction_rate", _("调解满意率")
    ZERO_VISIT_RATE = "zero_visit_rate", _("零跑率")
    ONE_VISIT_RATE = "one_visit_rate", _("一次跑率")
    COURT_RESOLVE_RATE = "court_resolve_rate", _("诉前化解率")


MEDIATION_KPI_DEFINITIONS = {
    MediationKpiKey.RESOLVE_RATE: _(
        "调解成功量 ÷ 调解结案量：统计期内结案的纠纷中，达成调解协议的比例。"
    ),
    MediationKpiKey.ON_TIME_RATE: _(
        "按期结案量 ÷ 调解结案量：统计期内结案的纠纷中，在调解期限内结案的比例（中止期间不计）。"
    ),
    MediationKpiKey.SATISFACTION_RATE: _(
        "调解满意量 ÷ 调解评价量：统计期内当事人评价中，“满意”和“基本满意”的比例。"
    ),
    MediationKpiKey.ZERO_VISIT_RATE: _(
        "零跑量 ÷ 调解结案量：统计期内结案的纠纷中，"
        "申请人一次也没有到场（网上申请、视频调解）的比例。"
    ),
    MediationKpiKey.ONE_VISIT_RATE: _(
        "一次跑量 ÷ 调解结案量：统计期内结案的纠纷中，申请人只到场一天的比例。"
    ),
    MediationKpiKey.COURT_RESOLVE_RATE: _(
        "诉前化解量 ÷ 诉前调解结案量：法院委派的纠纷中，调解成功、不再进入诉讼的比例。"
    ),
}

MEDIATION_KPIS = [
    Kpi(MediationKpiKey.RESOLVE_RATE, Measure.DISPUTES_RESOLVED, Measure.DISPUTES_CLOSED),
    Kpi(MediationKpiKey.ON_TIME_RATE, Measure.DISPUTES_ON_TIME, Measure.DISPUTES_CLOSED),
    Kpi(MediationKpiKey.SATISFACTION_RATE, Measure.DISPUTES_SATISFIED, Measure.DISPUTES_RATED),
    Kpi(MediationKpiKey.ZERO_VISIT_RATE, Measure.DISPUTES_ZERO_VISIT, Measure.DISPUTES_CLOSED),
    Kpi(MediationKpiKey.ONE_VISIT_RATE, Measure.DISPUTES_ONE_VISIT, Measure.DISPUTES_CLOSED),
    Kpi(MediationKpiKey.COURT_RESOLVE_RATE, Measure.COURT_RESOLVED, Measure.COURT_CLOSED),
]

# The scoring rules a new installation starts with (Lianyungang style: 及时签收率 below 80 %
# scores 0): KPI, weight, zero line, full line. Administrators change them in the admin.
DEFAULT_KPI_RULES = [
    (KpiKey.SIGN_RATE, "20", "0.80", "0.98"),
    (KpiKey.ON_TIME_RATE, "30", "0.80", "0.98"),
    (KpiKey.SATISFACTION_RATE, "30", "0.80", "0.95"),
    (KpiKey.VISIT_RATE, "10", "0.50", "0.90"),
    (KpiKey.RETURN_RATE, "10", "0.20", "0.02"),
]


class PeriodKind(models.TextChoices):
    DAY = "day", _("日")
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")
    CUSTOM = "custom", _("自定义")
