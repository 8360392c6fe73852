"""The demo's province, city and counties come from the national division list when it is
installed (the `regions` extra, as in the test environment) and from the demo's own data
otherwise: both give the same regions, so `pip install shanzhi && shanzhi up` builds the same
municipality without pandas."""

import pytest

from shanzhi.demo import builder, data
from shanzhi.territory.models import Region

pytestmark = pytest.mark.django_db


def _regions() -> list[tuple]:
    codes = [code for code, *_ in data.REGIONS]
    return list(
        Region.objects.filter(code__in=codes)
        .order_by("code")
        .values_list("code", "name", "lon", "lat", "parent_id")
    )


def test_the_demos_own_regions_are_those_of_the_national_list():
    national = {code: (name, lon, lat) for code, name, lon, lat, _parent in _regions()}
    assert {code: (name, lon, lat) for code, name, lon, lat in data.REGIONS} == national


def test_without_the_national_list_the_demo_builds_its_own_regions(monkeypatch):
    from_the_national_list = _regions()
    monkeypatch.setattr(builder, "national_regions_available", lambda: False)

    def not_installed(**kwargs):
        raise AssertionError("the national list is not installed")

    monkeypatch.setattr(builder, "regions_load_national", not_installed)
    builder.build_regions()
    assert _regions() == from_the_national_list
    assert dict((code, parent) for code, *_, parent in _regions())["330502000000"] == (
        data.CITY_CODE
    )
