"""Input of the mediation API (CleanSchema: NUL refused, text cleaned)."""

from ninja import Field

from shanzhi.core.dates import DeadlineMoment, FilterDate, PastMoment
from shanzhi.core.text import CleanSchema
from shanzhi.mediation.choices import (
    Fulfilment,
    PartyKind,
    PartyRole,
    ReferralTarget,
    SessionKind,
)


class PartyIn(CleanSchema):
    role: PartyRole
    name: str = Field(..., min_length=1, max_length=100)
    kind: PartyKind = PartyKind.PERSON
    phone: str = Field("", max_length=32)
    id_number: str = Field("", max_length=32)
    address: str = Field("", max_length=200)


class CaseIn(CleanSchema):
    dispute_type: str = Field(..., min_length=1, max_length=16, description="纠纷类型编码")
    title: str = Field(..., min_length=1, max_length=200)
    facts: str = Field(..., min_length=1, max_length=4000)
    request: str = Field("", max_length=2000)
    region: str = Field(..., min_length=1, max_length=12, description="纠纷发生地的区划代码")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str = Field("", max_length=200)
    amount: float | None = Field(None, ge=0, lt=10**12, description="元，按分取整")
    people_involved: int = Field(2, ge=1, le=100_000)
    is_major: bool = False
    is_group: bool = False
    org: int | None = Field(
        None, ge=1, le=2**31 - 1, description="受理组织（默认：本人所在的矛调中心）"
    )
    parties: list[PartyIn] = Field(..., min_length=1, max_length=20)


class DisputeBody(CleanSchema):
    """The dispute as the public or another system states it (an application, a court's
    referral); the window's CaseIn adds the place's point and the staff's flags."""

    dispute_type: str = Field(..., min_length=1, max_length=16, description="纠纷类型编码")
    title: str = Field(..., min_length=1, max_length=200)
    facts: str = Field(..., min_length=1, max_length=4000)
    request: str = Field("", max_length=2000)
    region: str = Field(..., min_length=1, max_length=12, description="纠纷发生地的区划代码")
    address: str = Field("", max_length=200)
    amount: float | None = Field(None, ge=0, lt=10**12, description="元，按分取整")
    people_involved: int = Field(2, ge=1, le=100_000)
    parties: list[PartyIn] = Field(..., min_length=1, max_length=20)


class ApplicationIn(DisputeBody):
    """An application from the public (网上申请) to the organisation of a 解纷码."""

    org: int = Field(..., ge=1, le=2**31 - 1, description="解纷码上的受理组织")


class AssignIn(CleanSchema):
    mediator: int = Field(..., ge=1, le=2**31 - 1)


class EmptyIn(CleanSchema):
    pass


class EscalateIn(CleanSchema):
    reason: str = Field(..., min_length=1, max_length=2000)


class ReferIn(CleanSchema):
    target: ReferralTarget
    reason: str = Field(..., min_length=1, max_length=2000)


class ConsultIn(CleanSchema):
    held_at: PastMoment = Field(
        ..., description="会商时间（最近 30 天内）", json_schema_extra={"minLength": 1}
    )
    participants: str = Field(
        ..., min_length=1, max_length=2000, description="法官、首席调解员、法律援助律师及相关部门"
    )
    plan: str = Field(..., min_length=1, max_length=4000)
    tasks: str = Field("", max_length=4000)


class ScheduleIn(CleanSchema):
    kind: SessionKind
    starts_at: DeadlineMoment = Field(
        ..., description="调解会时间（现在到 180 天之内）", json_schema_extra={"minLength": 1}
    )
    place: str = Field(..., min_length=1, max_length=300, description="说事室或视频链接")


class RecordIn(CleanSchema):
    session: int = Field(..., ge=1, le=2**31 - 1)
    attendance: str = Field(..., min_length=1, max_length=500)
    minutes: str = Field(..., min_length=1, max_length=8000)
    outcome: str = Field(..., min_length=1, max_length=500)


class AgreeIn(CleanSchema):
    agreement: str = Field(..., min_length=1, max_length=8000)


class FailIn(CleanSchema):
    reason: str = Field(..., min_length=1, max_length=2000)
    target: ReferralTarget | None = None


class ConfirmApplyIn(CleanSchema):
    court: str = Field(..., min_length=1, max_length=100, description="受理法院")
    applied_on: FilterDate = Field(
        ...,
        description="双方共同申请的日期（协议达成之日起 30 日内）",
        json_schema_extra={"minLength": 1},
    )


class ConfirmAcceptIn(CleanSchema):
    accepted: bool = Field(..., description="法院是否受理")
    decided_on: FilterDate = Field(..., description="决定日期", json_schema_extra={"minLength": 1})
    reason: str = Field("", max_length=2000, description="不予受理时必填")


class ConfirmRuleIn(CleanSchema):
    confirmed: bool = Field(..., description="true：确认调解协议有效；false：驳回申请")
    ruled_on: FilterDate = Field(..., description="裁定日期", json_schema_extra={"minLength": 1})
    ruling_number: str = Field(..., min_length=1, max_length=64, description="裁定书文号")
    reason: str = Field("", max_length=2000, description="驳回时必填")


class ReferFromOrderIn(CleanSchema):
    dispute_type: str = Field(..., min_length=1, max_length=16, description="纠纷类型编码")
    respondent_name: str = Field(..., min_length=1, max_length=100, description="被申请人")
    respondent_phone: str = Field("", max_length=32)


class SignIn(CleanSchema):
    parties: list[int] = Field(..., min_length=1, max_length=20, description="当场签字的当事人")


class FollowUpIn(CleanSchema):
    fulfilment: Fulfilment
    note: str = Field("", max_length=2000, description="部分履行或未履行时必填")
