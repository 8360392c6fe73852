"""Writes of the command centre: keeping the rollups current (fold), recomputing them (rebuild),
and publishing a month's assessment.

The fold follows the audit trail: every change of a case writes an audit event in the same
transaction, and events are numbered in commit order (the chain head is locked), so "events
after the cursor" are exactly the changes not yet folded. For each changed case of a registered
case type (command/cases/) the fold recomputes what it contributes and adds the difference to
the rollups (command/rollups.py). The services of the cases pay nothing for this; the worker
folds every few seconds."""

import datetime
import logging
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanzhi.command import cases, openwork, rebuild, rollups
from shanzhi.command.cases import CaseType
from shanzhi.command.choices import DEFAULT_KPI_RULES, KPI_BY_KEY
from shanzhi.command.models import (
    Assessment,
    AssessmentSettings,
    KpiRule,
    OpenWork,
    RollupCursor,
    UnitMonth,
)
from shanzhi.core.errors import Conflict, InvalidInput
from shanzhi.core.models import AuditChainHead, AuditEvent
from shanzhi.core.services import audit_record, record_delete, record_save

logger = logging.getLogger(__name__)
BATCH = 2000


def _cells(facts: dict | None):
    """The cells one case's facts add to: the rollups of measures, and the workload."""
    cells = rollups.cells_of(facts)
    if facts and "w" in facts:
        cells[OpenWork, openwork.cell_key(facts["w"])]["orders"] += 1
    return cells


def _add_difference(total, old: dict | None, new: dict | None) -> None:
    for cell, values in _cells(new).items():
        for measure, value in values.items():
            total[cell][measure] += value
    for cell, values in _cells(old).items():
        for measure, value in values.items():
            total[cell][measure] -= value


def _upsert(total) -> None:
    """Add the differences to the rollup rows, creating missing rows (one statement per table
    and batch)."""
    by_model = defaultdict(list)
    for (model, key), values in total.items():
        if any(values.values()):
            by_model[model].append((key, values))
    if OpenWork in by_model:  # the unit sets of the workload keys, named by id
        stored = openwork.stored_keys([key for key, _values in by_model[OpenWork]])
        by_model[OpenWork] = [(stored[key], values) for key, values in by_model[OpenWork]]
    for model, rows in by_model.items():
        columns = list(model.COLUMNS)
        key_columns = list(model.KEY)
        table = model._meta.db_table
        names = ", ".join(key_columns + columns)
        marks = ", ".join(["%s"] * (len(key_columns) + len(columns)))
        updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
        sql = (
            f"INSERT INTO {table} ({names}) VALUES ({marks}) "  # noqa: S608 (names are ours)
            f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}"
        )
        dated = key_columns[0] == "day"
        params = [
            [
                datetime.date.fromisoformat(key[0]) if dated else key[0],
                *key[1:],
                *(values.get(c, 0) for c in columns),
            ]
            for key, values in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    if OpenWork in by_model:
        openwork.empty_cells_delete()


def _refresh(case_type: CaseType, ids: list[int], total) -> None:
    """Add to `total` the difference between the current facts of these cases and those folded
    before, and store the current ones. Call with the cursor locked."""
    new = case_type.facts_for(ids)
    stored = case_type.facts_model.objects
    old = dict(stored.filter(pk__in=ids).values_list("pk", "facts"))
    changed = [i for i in ids if new.get(i) != old.get(i)]
    for case_id in changed:
        _add_difference(total, old.get(case_id), new.get(case_id))
    key = case_type.facts_model._meta.pk.name
    stored.bulk_create(
        [case_type.facts_model(pk=i, facts=new[i]) for i in changed if i in new],
        update_conflicts=True,
        unique_fields=[key],
        update_fields=["facts"],
    )
    gone = [i for i in changed if i not in new]
    if gone:
        stored.filter(pk__in=gone).delete()


def _record_drift(total, published_months: set[str]) -> None:
    """A published assessment stays as it was; record that its month's figures moved since."""
    if not published_months:
        return
    moved = defaultdict(set)
    for (model, key), values in total.items():
        if model is UnitMonth and key[0] in published_months and any(values.values()):
            moved[key[0]].add(key[1])
    for month, units in sorted(moved.items()):
        audit_record(
            actor="system",
            action="assessment.figures_changed",
            object_type="assessment",
            object_id=month[:7],
            after={"units": sorted(u for u in units if u)},
        )


def _published_months() -> set[str]:
    return {m.isoformat() for m in Assessment.objects.values_list("month", flat=True).distinct()}


def _locked_cursor(*, wait: bool) -> RollupCursor | None:
    RollupCursor.objects.get_or_create(pk=1)
    rows = RollupCursor.objects.filter(pk=1)
    if connection.vendor == "postgresql":
        rows = rows.select_for_update(skip_locked=not wait)
    else:  # SQLite: the IMMEDIATE transaction already holds the only write lock
        rows = rows.select_for_update()
    return rows.first()


def rollups_fold(*, limit: int = 20_000) -> int:
    """Fold the work-order changes recorded since the last fold; returns how many audit events
    were consumed. Safe to call from several workers: one folds, the others return 0."""
    consumed = 0
    while consumed < limit:
        with transaction.atomic():
            cursor = _locked_cursor(wait=False)
            if cursor is None:
                return consumed
            events = list(
                AuditEvent.objects.filter(pk__gt=cursor.last_event_id)
                .order_by("pk")
                .values_list("pk", "object_type", "object_id")[:BATCH]
            )
            if not events:
                return consumed
            changed = defaultdict(set)  # case kind → ids of its cases that changed
            for _pk, kind, object_id in events:
                if object_id.isdigit() and cases.case_type(kind):
                    changed[kind].add(int(object_id))
            total: dict = defaultdict(lambda: defaultdict(int))
            for kind, ids in changed.items():
                _refresh(cases.case_type(kind), sorted(ids), total)
            if total:
                _upsert(total)
                _record_drift(total, _published_months())
            cursor.last_event_id = events[-1][0]
            cursor.folded_at = timezone.now()
            cursor.save(update_fields=["last_event_id", "folded_at"])
        consumed += len(events)
    return consumed


def rollups_rebuild(*, progress=None) -> int:
    """Recompute every rollup from the cases of every registered case type (command/rebuild.py);
    returns the number of cases. One transaction: the fold waits, then folds again whatever
    changed meanwhile (it starts from the audit event that was last when this began)."""
    with transaction.atomic():
        cursor = _locked_cursor(wait=True)
        head = AuditChainHead.objects.filter(pk=1).values_list("last_event_id", flat=True)
        cursor.last_event_id = head.first() or 0
        cursor.folded_at = timezone.now()
        cursor.save(update_fields=["last_event_id", "folded_at"])
        rebuild.empty()
        return rebuild.load(progress=progress)


def rollups_lag() -> int:
    """Audit events not yet folded (0 when the figures are current)."""
    cursor = RollupCursor.objects.filter(pk=1).values_list("last_event_id", flat=True).first()
    head = AuditChainHead.objects.filter(pk=1).values_list("last_event_id", flat=True).first()
    return max((head or 0) - (cursor or 0), 0)


def kpi_rules_default() -> int:
    """Give every KPI of DEFAULT_KPI_RULES that has no scoring rule its default rule (a fresh
    installation, or a database emptied by `shanzhi demo --reset`); returns how many were added."""
    added = 0
    for kpi, weight, zero_at, full_at in DEFAULT_KPI_RULES:
        _rule, created = KpiRule.objects.get_or_create(
            kpi=kpi,
            defaults={
                "weight": Decimal(weight),
                "zero_at": Decimal(zero_at),
                "full_at": Decimal(full_at),
            },
        )
        added += created
    return added


def assessment_publish(*, actor, scope, month) -> int:
    """Freeze the month's assessment of every handling unit in the territory: score, rank and
    the figures behind them. A month is published once; returns the number of units."""
    from shanzhi.command import selectors

    if month.kind != "month":
        raise InvalidInput(_("考核按自然月发布"), "month")
    if month.end >= timezone.localdate():
        raise InvalidInput(_("只能发布已经结束的月份"), "month")
    rollups_fold()
    with transaction.atomic():
        rows = selectors.unit_table(scope, month)
        units = [row.unit.pk for row in rows]
        if Assessment.objects.filter(month=month.start, unit_id__in=units).exists():
            raise Conflict(_("%(month)s 的考核已经发布") % {"month": month.label})
        now = timezone.now()
        Assessment.objects.bulk_create(
            [
                Assessment(
                    month=month.start,
                    unit=row.unit,
                    score=round(row.score, 2) if row.score is not None else None,
                    rank=row.rank,
                    figures=row.values,
                    published_at=now,
                    published_by=actor,
                )
                for row in rows
            ]
        )
        audit_record(
            actor=actor,
            action="assessment.publish",
            object_type="assessment",
            object_id=month.label,
            after={"region": scope.region.code if scope.region else "", "units": len(rows)},
        )
    return len(rows)


def kpi_rule_save(*, actor, rule: KpiRule) -> KpiRule:
    """A KPI's scoring rule as an administrator set it: a weight of zero or more, and zero and
    full lines between 0 and 1, the full line the better of the two. The next assessment and
    the live KPI tables use it."""
    if rule.weight is None or rule.weight < 0:
        raise InvalidInput(_("权重不能为负"), "weight")
    for name in ("zero_at", "full_at"):
        value = getattr(rule, name)
        if value is None or not 0 <= value <= 1:
            raise InvalidInput(_("请填写 0 到 1 之间的比例，如 0.80"), name)
    if rule.kpi not in KPI_BY_KEY:
        raise InvalidInput(_("未知的指标"), "kpi")
    higher = KPI_BY_KEY[rule.kpi].higher_is_better
    if (rule.full_at < rule.zero_at) if higher else (rule.full_at > rule.zero_at):
        raise InvalidInput(
            _("满分线应比零分线更好（该指标越%(d)s越好）") % {"d": _("高") if higher else _("低")},
            "full_at",
        )
    record_save(actor=actor, instance=rule)
    return rule


def assessment_settings_save(*, actor, settings: AssessmentSettings) -> AssessmentSettings:
    """The one row of assessment settings (its minimum volume is a count, 0 for none)."""
    if settings.min_dispatched is None or settings.min_dispatched < 0:
        raise InvalidInput(_("请填写 0 或正整数"), "min_dispatched")
    settings.pk = 1
    record_save(actor=actor, instance=settings)
    return settings


def kpi_rule_delete(*, actor, rule: KpiRule) -> None:
    record_delete(actor=actor, instance=rule)
