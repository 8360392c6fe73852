"""Configuration written by administrators: the category tree and the dispatch rules."""

from django.db import transaction
from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.core.services import audit_record
from shanzhi.workorders.models import Category, DispatchRule
from shanzhi.workorders.services.rules import check_lead

MAX_DEPTH = 3


def category_save(
    *,
    actor,
    code: str,
    name: str,
    parent_code: str = "",
    description: str = "",
    keywords: str = "",
    is_active: bool = True,
    sort: int = 0,
) -> Category:
    """Create or update a category; its path and depth follow from its parent."""
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not code.isalnum() or len(code) > 16:
        raise InvalidInput(_("编码只能由字母和数字组成，不超过 16 位"), "code")
    if not name:
        raise InvalidInput(_("名称不能为空"), "name")
    parent = None
    if parent_code:
        parent = Category.objects.filter(code=parent_code).first()
        if parent is None:
            raise InvalidInput(_("上级分类 %(code)s 不存在") % {"code": parent_code}, "parent")
        if parent.depth >= MAX_DEPTH:
            raise InvalidInput(_("分类最多三级"), "parent")
    with transaction.atomic():
        category = Category.objects.select_for_update().filter(code=code).first()
        before = None
        if category is None:
            category = Category(code=code)
        else:
            before = {
                "name": category.name,
                "parent": category.parent_id and category.parent.code,
                "is_active": category.is_active,
            }
            if category.parent_id != (parent.pk if parent else None) and category.children.exists():
                raise InvalidInput(_("有下级分类的分类不能移动"), "parent")
        category.name, category.parent = name, parent
        category.path = f"{parent.path}/{code}" if parent else code
        category.depth = parent.depth + 1 if parent else 1
        category.description, category.keywords = description, keywords
        category.is_active, category.sort = is_active, sort
        category.save()
        from shanzhi.workorders.selectors import category_tree
        from shanzhi.workorders.services.attributes import active_categories

        transaction.on_commit(active_categories.clear)
        transaction.on_commit(category_tree.clear)
        audit_record(
            actor=actor,
            action="category.update" if before else "category.create",
            object_type="category",
            object_id=code,
            before=before,
            after={"name": name, "parent": parent_code or None, "is_active": is_active},
        )
    return category


def dispatch_rule_create(
    *,
    actor,
    category: Category,
    region=None,
    lead_unit=None,
    lead_kind: str = "",
    lead_level: str = "",
    co_units=(),
    order: int = 0,
    note: str = "",
) -> DispatchRule:
    check_lead(named=lead_unit is not None, kind=lead_kind, level=lead_level)
    with transaction.atomic():
        rule = DispatchRule.objects.create(
            category=category,
            region=region,
            lead_unit=lead_unit,
            lead_kind=lead_kind,
            lead_level=lead_level,
            order=order,
            note=note,
        )
        rule.co_units.set(co_units)
        audit_record(
            actor=actor,
            action="dispatchrule.create",
            object_type="dispatchrule",
            object_id=rule.pk,
            after={
                "category": category.code,
                "region": region and region.code,
                "lead_unit": lead_unit and lead_unit.pk,
                "lead_kind": lead_kind,
                "lead_level": lead_level,
                "co_units": [u.pk for u in co_units],
            },
        )
    return rule
