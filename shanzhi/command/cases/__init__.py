"""The case types whose figures the command centre keeps: a small registry keyed by case kind.

A case type tells the command centre two things about its cases, and nothing else is needed:

- its **facts**: what one case contributes to the rollups, a pure function of its current rows;
- its **measures**: for each measure it counts, the rule in two forms side by side, on the rows
  the facts are made from and as a query on its table (the cases a figure links to).

The fold (`command/services.py`) follows the audit trail: an event whose `object_type` is a
registered kind refreshes that case's facts and adds the difference to the rollups. The rebuild
(`command/rebuild.py`) walks every registered case type's table. Neither knows any case type.

The facts of one case, as stored in the case type's facts table and compared by the fold::

    {"cell": [area (12 digits), grid (15 digits or ""), category id, channel, nature],
     "m": [[measure, local day "YYYY-MM-DD", unit id (0: none), value], ...],
     "w": [its key in the workload table (OpenWork), while it is unfinished]}

Measures are the members of `command.choices.Measure` (a column of every full rollup each);
the rollups they go into are defined once in `command/rollups.py`.

Work orders register in `command/cases/workorders.py`. A new case type (a mediation case, a
hazard) adds a module beside it and registers it in `CommandConfig.ready()`; see
docs/command.md ("A new case type")."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from shanzhi.command.choices import MEASURES


@dataclass(frozen=True)
class CaseType:
    """How the cases of one kind feed the command centre's figures."""

    # The audit trail's object_type of its cases: the fold refreshes the cases it names.
    kind: str
    # Its table; the rebuild walks it in primary-key order.
    model: type[models.Model]
    # Where the fold keeps each case's facts (a `command.models.CaseFacts`).
    facts_model: type[models.Model]
    # facts_for(ids) or facts_for(id_range=(first, last)) → {case id: facts}, for the cases
    # that exist.
    facts_for: Callable[..., dict[int, dict]]
    # behind(cases, measure, period, unit id or None) → the cases the measure counts in the
    # period (for that unit), a filter of the queryset `cases`.
    behind: Callable
    # The measures it counts.
    measures: tuple[str, ...]
    # workload_for(ids) → {case id: its workload key, or None once finished}: only for case
    # types whose facts carry "w".
    workload_for: Callable[..., dict[int, list | None]] | None = None
    # Measures counted on a day that may still lie ahead (a deadline's): a period counts them
    # only for its days before today, so that "due in the period" means due and already past.
    past_only: frozenset[str] = frozenset()


_registry: dict[str, CaseType] = {}


def register(case_type: CaseType) -> CaseType:
    """Add a case type (AppConfig.ready() may run twice in tests: registering again replaces)."""
    unknown = set(case_type.measures) - set(MEASURES)
    if unknown:
        raise ValueError(f"{case_type.kind}: measures without a rollup column: {sorted(unknown)}")
    _registry[case_type.kind] = case_type
    return case_type


def case_types() -> list[CaseType]:
    return list(_registry.values())


def case_type(kind: str) -> CaseType | None:
    return _registry.get(kind)


def past_only_measures() -> frozenset[str]:
    return frozenset().union(*(c.past_only for c in _registry.values()))
