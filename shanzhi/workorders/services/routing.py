"""Where an appeal goes first: the unit that triages the matters of an area (小事不出村、大事不出镇:
triage starts at the township's command room, else the nearest governance centre above it)."""

from django.utils.translation import gettext as _

from shanzhi.core.errors import InvalidInput
from shanzhi.core.memo import Memo
from shanzhi.org.choices import UnitKind
from shanzhi.org.models import Unit
from shanzhi.territory.choices import RegionLevel, ancestor_codes, level_of_code


def _load_triage_units() -> dict[str, tuple[int, str]]:
    """region code → (unit id, kind) of the 综合指挥室 or 社会治理中心 there."""
    found: dict[str, tuple[int, str]] = {}
    for pk, region, kind in Unit.objects.filter(
        kind__in=(UnitKind.COMMAND_ROOM, UnitKind.CENTRE), is_active=True
    ).values_list("pk", "region_id", "kind"):
        if region not in found or kind == UnitKind.COMMAND_ROOM:
            found[region] = (pk, kind)
    return found


triage_units = Memo("triage_units", _load_triage_units, seconds=60)


def dispatch_unit_id_for(area_code: str) -> int:
    """The unit that triages matters of an area: the township's command room, else the nearest
    governance centre above it (小事不出村、大事不出镇: triage starts at the township)."""
    chain = ([area_code] if len(area_code) == 12 else []) + ancestor_codes(area_code)
    units = triage_units.get()
    for code in chain:
        if level_of_code(code) != RegionLevel.VILLAGE and code in units:
            return units[code][0]
    raise InvalidInput(_("该区域没有负责分拨的单位，请联系管理员"), "region")


def dispatch_unit_for(area_code: str) -> Unit:
    return Unit.objects.select_related("region").get(pk=dispatch_unit_id_for(area_code))
