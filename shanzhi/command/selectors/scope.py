"""Who may see the command centre, and the question it is asked: the period (`Period`,
`parse_period`) and what it is about (`Scope`, `parse_scope`: territory, unit, category, channel),
checked once against what the viewer may see. Every other read of the command centre takes a
`Scope` and a `Period` from here."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from shanzhi.command.choices import PUBLISH_ROLES, VIEW_ROLES, PeriodKind
from shanzhi.command.periods import Period, month_period, quarter, today
from shanzhi.core.dates import DateOutOfRange, check_day
from shanzhi.core.errors import Forbidden, InvalidInput, NotFound
from shanzhi.core.scoping import in_scope
from shanzhi.org.models import Unit
from shanzhi.org.selectors import user_roles, user_scope
from shanzhi.territory.choices import PREFIX_LENGTH, territory_prefix
from shanzhi.territory.models import Region
from shanzhi.workorders.choices import Channel
from shanzhi.workorders.models import Category

MAX_YEARS = 10


def roles_of(user) -> set[str]:
    return {m.role for m in user_roles(user)}


def require_viewer(user) -> None:
    """Leaders, commanders, dispatchers and administrators see the command centre."""
    if not (getattr(user, "is_superuser", False) or roles_of(user) & VIEW_ROLES):
        raise Forbidden(_("只有领导、指挥长、分拨员和管理员可以查看指挥中心"))


def may_publish(user) -> bool:
    return user.is_superuser or bool(roles_of(user) & PUBLISH_ROLES)


def _date(value: str, name: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(_("日期格式应为 YYYY-MM-DD"), name) from None
    try:
        return check_day(day, name)  # the one window for days to count by (ADR 0011)
    except DateOutOfRange as error:
        raise InvalidInput(error.message, name) from None


def parse_period(params) -> Period:
    """period=day|week|month|quarter|year with date=YYYY-MM-DD (any day inside; default today),
    or period=custom with from/to. Inverted or absurd ranges and spans over ten years are
    refused with a message naming the field."""
    kind = params.get("period") or PeriodKind.MONTH
    if kind not in PeriodKind.values:
        raise InvalidInput(_("统计周期应为日、周、月、季度、年或自定义"), "period")
    if kind == PeriodKind.CUSTOM:
        if not params.get("from") or not params.get("to"):
            raise InvalidInput(_("自定义周期须填写起止日期"), "from")
        start, end = _date(params["from"], "from"), _date(params["to"], "to")
        if end < start:
            raise InvalidInput(_("结束日期不能早于开始日期"), "to")
        if (end - start).days > 366 * MAX_YEARS:
            raise InvalidInput(_("统计周期不能超过 %(n)s 年") % {"n": MAX_YEARS}, "to")
        return Period(kind, start, end)
    raw = params.get("date") or ""
    if kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR) and len(raw) == 7:
        raw += "-01"  # 2026-11
    if kind == PeriodKind.YEAR and len(raw) == 4:
        raw += "-01-01"
    day = _date(raw, "date") if raw else today()
    if kind == PeriodKind.DAY:
        return Period(kind, day, day)
    if kind == PeriodKind.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return Period(kind, start, start + datetime.timedelta(days=6))
    if kind == PeriodKind.MONTH:
        return month_period(day)
    if kind == PeriodKind.QUARTER:
        return quarter(day)
    return Period(kind, day.replace(month=1, day=1), day.replace(month=12, day=31))


@dataclass
class Scope:
    """What a question is about, checked against what the viewer may see."""

    region: Region | None  # None: everything (administrators)
    unit: Unit | None = None
    category: Category | None = None
    category_ids: list[int] | None = None
    channel: str = ""
    prefix: str = ""
    params: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.region.name if self.region else _("全部区域")


def _home_region(user) -> Region | None:
    prefixes = user_scope(user)
    if not prefixes:
        raise NotFound(_("没有可查看的区域"))
    if "" in prefixes:
        return None
    shortest = min(prefixes, key=len)
    return Region.objects.filter(code=shortest.ljust(12, "0")).first()


def parse_scope(user, params) -> Scope:
    """region=CODE (default: the viewer's own territory), unit=ID, category=CODE, channel=…
    Unknown ones are 400; a territory or unit outside the viewer's scope is 404."""
    prefixes = user_scope(user)
    code = (params.get("region") or "").strip()
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise InvalidInput(_("区划代码 %(code)s 不存在") % {"code": code[:20]}, "region")
        if not in_scope(region.code, prefixes):
            raise NotFound(_("无权查看该区域"))
    else:
        region = _home_region(user)
    scope = Scope(region=region, prefix=territory_prefix(region.code) if region else "")
    raw_unit = (params.get("unit") or "").strip()
    if raw_unit:
        unit = Unit.objects.filter(pk=int(raw_unit)).first() if raw_unit.isdigit() else None
        if unit is None:
            raise InvalidInput(_("单位不存在"), "unit")
        if not in_scope(unit.region_id, prefixes):
            raise NotFound(_("无权查看该单位"))
        scope.unit = unit
    raw_category = (params.get("category") or "").strip()
    if raw_category:
        category = Category.objects.filter(code=raw_category).first()
        if category is None:
            raise InvalidInput(_("事项分类不存在"), "category")
        scope.category = category
        scope.category_ids = list(
            Category.objects.filter(
                Q(path=category.path) | Q(path__startswith=category.path + "/")
            ).values_list("pk", flat=True)
        )
    channel = (params.get("channel") or "").strip()
    if channel and channel not in Channel.values:
        raise InvalidInput(_("未知的来源渠道"), "channel")
    scope.channel = channel
    scope.params = {
        k: v
        for k, v in {
            "region": code,
            "unit": raw_unit,
            "category": raw_category,
            "channel": channel,
        }.items()
        if v
    }
    return scope


def code_range(field_name: str, prefix: str) -> Q:
    """Codes starting with `prefix` as a range (index-friendly with any collation)."""
    if not prefix:
        return Q()
    upper = str(int(prefix) + 1).zfill(len(prefix))
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper})


def orders_in(scope: Scope) -> Q:
    """Work orders of the territory, written as a prefix match: the planner then reaches them
    through a more selective index (open states, the registration time) instead of walking the
    territory's whole history by area code (SQLite does not use an index for this LIKE)."""
    return Q(area_code__startswith=scope.prefix) if scope.prefix else Q()


def next_level_length(prefix: str) -> int | None:
    """Length of the code prefix one level down (city → district → township → village)."""
    for length in sorted(set(PREFIX_LENGTH.values())):
        if length > len(prefix):
            return length
    return None
