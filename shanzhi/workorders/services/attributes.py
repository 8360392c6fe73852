"""The categories an appeal may be filed under, read once per process for 30 s, and the answers
to a category's own questions (Open311 service attributes), checked against their datatypes."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.core.memo import Memo
from shanzhi.workorders.choices import AttributeType
from shanzhi.workorders.models import Category, ServiceAttribute


@dataclass(frozen=True)
class CachedCategory:
    pk: int
    code: str
    is_branch: bool  # has active children: appeals go under its leaves
    attributes: tuple = ()  # its ServiceAttribute rows, in order


def _load_categories() -> dict[str, CachedCategory]:
    rows = list(Category.objects.filter(is_active=True).values_list("pk", "code", "parent_id"))
    parents = {parent for _pk, _code, parent in rows}
    questions: dict[int, list] = {}
    for attribute in ServiceAttribute.objects.order_by("order", "pk"):
        questions.setdefault(attribute.category_id, []).append(attribute)
    return {
        code: CachedCategory(pk, code, pk in parents, tuple(questions.get(pk, ())))
        for pk, code, _parent in rows
    }


def clean_attributes(category: CachedCategory, given: dict) -> dict:
    """The answers to the category's questions, checked against their datatypes; answers to
    questions the category does not ask are dropped (clients may send their own extras)."""
    answers = {}
    for question in category.attributes:
        field = f"attribute[{question.code}]"
        value = given.get(question.code)
        if value in (None, "", []):
            if question.required:
                raise InvalidInput(
                    _("请回答“%(question)s”") % {"question": question.description}, field
                )
            continue
        answers[question.code] = _answer(question, value, field)
    return answers


def _answer(question, value, field: str):
    keys = [str(v.get("key")) for v in question.values if isinstance(v, dict)]
    kind = question.datatype
    if kind == AttributeType.MULTI:
        chosen = [str(v) for v in (value if isinstance(value, list) else [value])]
        if not chosen or any(v not in keys for v in chosen):
            raise InvalidInput(_("“%(q)s”的选项无效") % {"q": question.description}, field)
        return chosen
    if isinstance(value, list | dict):
        raise InvalidInput(_("“%(q)s”只能有一个值") % {"q": question.description}, field)
    text = str(value).strip()
    if kind == AttributeType.SINGLE:
        if text not in keys:
            raise InvalidInput(_("“%(q)s”的选项无效") % {"q": question.description}, field)
        return text
    if kind == AttributeType.NUMBER:
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            raise InvalidInput(_("“%(q)s”必须是数字") % {"q": question.description}, field)
        return number
    if kind == AttributeType.DATETIME:
        from django.utils.dateparse import parse_datetime

        from shanzhi.core.dates import DEADLINE, DateOutOfRange, check_moment

        try:
            moment = parse_datetime(text)
        except ValueError:  # well formed but impossible (an offset of 24 hours or more)
            moment = None
        if moment is None:
            raise InvalidInput(
                _("“%(q)s”必须是日期时间，如 2026-11-22T08:30:00+08:00")
                % {"q": question.description},
                field,
            )
        try:
            check_moment(moment, field, DEADLINE)  # 2000-01-01 … a year ahead (ADR 0011)
        except DateOutOfRange as error:
            raise InvalidInput(error.message, field) from None
        return moment.isoformat()
    limit = 4000 if kind == AttributeType.TEXT else 200
    if len(text) > limit:
        raise InvalidInput(
            _("“%(q)s”不能超过 %(n)s 字") % {"q": question.description, "n": limit}, field
        )
    return text


active_categories = Memo("categories", _load_categories, seconds=60)
