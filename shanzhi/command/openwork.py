"""The workload table (OpenWork) as the fold and the rebuild write it.

A work order's workload key in its facts ("w", command/cases/workorders.py WORKLOAD_FIELDS)
holds its unit sets as lists of unit ids. The table holds each set once (UnitSet, with its
members in UnitSetMember) and names it by id, so that "the cells of unit 17" is an index lookup
on the members, not a text match. Only the fold and the rebuild write these tables, both with
the rollup cursor locked, so a set is created once."""

from shanzhi.command.cases.workorders import WORKLOAD_FIELDS
from shanzhi.command.models import OPEN_WORK_KEY, OpenWork, UnitSet, UnitSetMember

_SETS = tuple(WORKLOAD_FIELDS.index(name) for name in ("co_units", "other_units"))
assert tuple(OPEN_WORK_KEY[i] for i in _SETS) == ("co_set", "other_set")


def cell_key(workload: list) -> tuple:
    """A workload key of the facts as a dictionary key (its unit sets as tuples)."""
    return tuple(tuple(v) if i in _SETS else v for i, v in enumerate(workload))


def _name(units: tuple[int, ...]) -> str:
    return ",".join(str(u) for u in units)


def unit_set_ids(sets) -> dict[tuple[int, ...], int]:
    """The UnitSet id of each of these sets (sorted tuples of unit ids, the empty one is 0),
    creating the sets not stored yet."""
    wanted = {_name(units): units for units in sets if units}
    ids = _ids_of(list(wanted))
    missing = [name for name in wanted if name not in ids]
    if missing:
        UnitSet.objects.bulk_create([UnitSet(key=name) for name in missing], batch_size=500)
        ids |= _ids_of(missing)
        UnitSetMember.objects.bulk_create(
            [UnitSetMember(unit_set_id=ids[n], unit_id=u) for n in missing for u in wanted[n]],
            batch_size=1000,
        )
    return {units: ids[name] for name, units in wanted.items()} | {(): 0}


def _ids_of(names: list[str]) -> dict[str, int]:
    ids = {}
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        ids.update(UnitSet.objects.filter(key__in=chunk).values_list("key", "pk"))
    return ids


def stored_keys(keys) -> dict[tuple, tuple]:
    """Each workload key (as cell_key gives it) → its OpenWork key, the sets named by id."""
    ids = unit_set_ids({key[i] for key in keys for i in _SETS})
    return {key: tuple(ids[v] if i in _SETS else v for i, v in enumerate(key)) for key in keys}


def empty_cells_delete() -> None:
    """The workload is today's, not history: a combination nobody is in any more goes, and
    with it a unit set no cell names any more."""
    empty = OpenWork.objects.filter(orders=0)
    sets = {s for pair in empty.values_list("co_set", "other_set") for s in pair if s}
    empty.delete()
    if sets:
        used = set(OpenWork.objects.filter(co_set__in=sets).values_list("co_set", flat=True))
        used |= set(OpenWork.objects.filter(other_set__in=sets).values_list("other_set", flat=True))
        UnitSet.objects.filter(pk__in=sets - used).delete()


def unused_sets_delete() -> None:
    """After a rebuild: the unit sets no cell names."""
    UnitSet.objects.exclude(pk__in=OpenWork.objects.values("co_set")).exclude(
        pk__in=OpenWork.objects.values("other_set")
    ).delete()
