from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    """Levels of the statistical division code: 省2 市2 县2 乡3 村3."""

    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县区")
    TOWNSHIP = "township", _("乡镇街道")
    VILLAGE = "village", _("村社区")


# How many leading digits of the 12-digit code identify a region of each level; a grid appends 3.
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
GRID_CODE_LENGTH = 15
REGION_CODE_LENGTH = 12


def level_of_code(code: str) -> RegionLevel:
    """The level a 12-digit code denotes: the shallowest one whose prefix holds all its digits."""
    significant = len(code.rstrip("0"))
    for level, length in PREFIX_LENGTH.items():
        if significant <= length:
            return level
    return RegionLevel.VILLAGE


def territory_prefix(code: str) -> str:
    """The leading digits everything inside a region starts with (its scope); a grid code is
    its own prefix."""
    if len(code) == REGION_CODE_LENGTH and code.isdigit():
        return code[: PREFIX_LENGTH[level_of_code(code)]]
    return code


def ancestor_codes(code: str) -> list[str]:
    """The 12-digit codes of the levels above a region or grid code, nearest first."""
    own = GRID_CODE_LENGTH if len(code) == GRID_CODE_LENGTH else PREFIX_LENGTH[level_of_code(code)]
    lengths = sorted((n for n in PREFIX_LENGTH.values() if n < own), reverse=True)
    return [code[:n].ljust(REGION_CODE_LENGTH, "0") for n in lengths]
