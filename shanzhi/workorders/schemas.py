"""The API's input of each work-order action (one typed body per action route; the registry in
`workorders/actions.py` names each action's schema)."""

from typing import Annotated

from ninja import Field

from shanzhi.core.ids import MAX_ID
from shanzhi.core.text import CleanSchema
from shanzhi.workorders.choices import Rating, ReplyResult, ReturnReason, Supervision

# A row id: what the databases' bigint primary keys can hold. A larger number is refused by
# validation (422) instead of overflowing in the database driver.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class DispatchIn(CleanSchema):
    lead_unit: Id
    co_units: list[Id] = []
    note: str = Field("", max_length=4000)
    rule: Id | None = None


class MergeIn(CleanSchema):
    into: Id = Field(..., description="目标工单 id")


class ReturnIn(CleanSchema):
    reason: ReturnReason
    note: str = Field(..., min_length=1, max_length=4000)


class ExtensionIn(CleanSchema):
    days: int = Field(..., ge=1, le=60)
    reason: str = Field(..., min_length=1, max_length=4000)


class DecisionIn(CleanSchema):
    approve: bool
    note: str = Field("", max_length=4000)


class ReasonIn(CleanSchema):
    reason: str = Field(..., min_length=1, max_length=4000)


class NoteIn(CleanSchema):
    note: str = Field("", max_length=4000)


class ProgressIn(CleanSchema):
    text: str = Field(..., min_length=1, max_length=4000)
    public: bool = False


class SuperviseIn(CleanSchema):
    level: Supervision
    note: str = Field(..., min_length=1, max_length=4000)


class ReplyIn(CleanSchema):
    result: ReplyResult
    text: str = Field(..., min_length=1, max_length=4000)


class TextIn(CleanSchema):
    text: str = Field(..., min_length=1, max_length=4000)


class VerifyIn(CleanSchema):
    accept: bool
    note: str = Field("", max_length=4000)


class AnswerIn(CleanSchema):
    answer: str = Field(..., min_length=1, max_length=4000)
    entry: int | None = Field(None, ge=1, le=2**31 - 1, description="引用的知识库条目编号")


class PhoneRatingIn(CleanSchema):
    appeal: str = Field(..., min_length=1, description="诉求查询码")
    rating: Rating
    comment: str = Field("", max_length=1000, description="不满意时必填：原因")


class Empty(CleanSchema):
    pass
