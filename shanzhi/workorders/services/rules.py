"""The rules administrators keep in the admin: the questions asked of appeals in a category
(service attributes), the deadline rules and the dispatch rules. Each save checks the row and is
audited (`core.services.record_save`); what the intake keeps in memory is forgotten on commit."""

from django.db import transaction
from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.core.services import audit_record, record_delete, record_save
from shanzhi.workorders.choices import LIST_ATTRIBUTE_TYPES
from shanzhi.workorders.models import DeadlineRule, DispatchRule, ServiceAttribute
from shanzhi.workorders.services.attributes import active_categories


def service_attribute_save(*, actor, attribute: ServiceAttribute) -> ServiceAttribute:
    """A question of a leaf category (an Open311 service attribute). Single and multiple
    choices list their options as [{"key": …, "name": …}]; other types have none. The next
    appeal is asked it."""
    values = attribute.values or []
    listed = attribute.datatype in LIST_ATTRIBUTE_TYPES
    well_formed = isinstance(values, list) and all(
        isinstance(v, dict) and str(v.get("key", "")).strip() and str(v.get("name", "")).strip()
        for v in values
    )
    if listed and (not values or not well_formed):
        raise InvalidInput(
            _('单选/多选须列出选项，如 [{"key": "ankle", "name": "没过脚踝"}]'), "values"
        )
    if not listed and values:
        raise InvalidInput(_("只有单选/多选需要选项"), "values")
    if attribute.category.children.exists():
        raise InvalidInput(_("请选择最细一级的事项分类"), "category")
    record_save(actor=actor, instance=attribute)
    transaction.on_commit(active_categories.clear)
    return attribute


def service_attribute_delete(*, actor, attribute: ServiceAttribute) -> None:
    record_delete(actor=actor, instance=attribute)
    transaction.on_commit(active_categories.clear)


def deadline_rule_save(*, actor, rule: DeadlineRule) -> DeadlineRule:
    """A deadline rule: positive time limits, and a warning point strictly between 0 and 1."""
    for name in ("sign_amount", "handle_amount"):
        if getattr(rule, name) is None or getattr(rule, name) <= 0:
            raise InvalidInput(_("时限必须大于 0"), name)
    if rule.warn_ratio is None or not 0 < rule.warn_ratio < 1:
        raise InvalidInput(_("预警点应在 0 与 1 之间，如 0.75"), "warn_ratio")
    record_save(actor=actor, instance=rule)
    return rule


def deadline_rule_delete(*, actor, rule: DeadlineRule) -> None:
    record_delete(actor=actor, instance=rule)


def check_lead(*, named: bool, kind: str, level: str) -> None:
    """A dispatch rule names its lead unit or the kind and level of the local one: exactly one."""
    if named == bool(kind and level):
        raise InvalidInput(_("请指定主办单位，或指定属地单位的类型和层级（二选一）"), "lead_unit")


def dispatch_rule_save(*, actor, rule: DispatchRule, co_units) -> DispatchRule:
    """A dispatch rule names its lead unit, or the kind and level of the local unit that leads
    (one or the other); the co-handling units are audited with it."""
    check_lead(named=rule.lead_unit_id is not None, kind=rule.lead_kind, level=rule.lead_level)
    after = sorted(unit.pk for unit in co_units)
    with transaction.atomic():
        before = [] if rule._state.adding else sorted(rule.co_units.values_list("pk", flat=True))
        record_save(actor=actor, instance=rule)
        rule.co_units.set(co_units)
        if before != after:
            audit_record(
                actor=actor,
                action="dispatchrule.co_units",
                object_type="dispatchrule",
                object_id=rule.pk,
                before={"co_units": before},
                after={"co_units": after},
            )
    return rule


def dispatch_rule_delete(*, actor, rule: DispatchRule) -> None:
    record_delete(actor=actor, instance=rule)
