"""Point → grid, village, township, county, city, with an STRtree over all grid polygons.

The index is built once per process and rebuilt when the grids or regions change: at once in the
process that changed them (services call `invalidate`), within REFRESH_SECONDS in the others.
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db.models import Count, Max

REFRESH_SECONDS = 10


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class Location:
    """Where a point is: its grid and the chain of regions above it, nearest first."""

    grid: Place
    regions: tuple[Place, ...] = field(default_factory=tuple)

    def region(self, level: str) -> Place | None:
        return next((r for r in self.regions if r.level == level), None)

    @property
    def area_code(self) -> str:
        return self.grid.code


class GridIndex:
    def __init__(self, grids: list[tuple[str, str, str, dict]], regions: dict[str, tuple]):
        """grids: (code, name, village_code, geojson); regions: code → (name, level, parent)."""
        self.codes = [g[0] for g in grids]
        self.names = [g[1] for g in grids]
        self.geometries = [shapely.geometry.shape(g[3]) for g in grids]
        for geometry in self.geometries:
            shapely.prepare(geometry)
        self.tree = shapely.STRtree(self.geometries)
        self._chains: dict[str, tuple[Place, ...]] = {}
        for _code, _name, village, _geo in grids:
            if village not in self._chains:
                self._chains[village] = self._chain(village, regions)

    @staticmethod
    def _chain(code: str | None, regions: dict[str, tuple]) -> tuple[Place, ...]:
        chain = []
        while code and code in regions:
            name, level, parent = regions[code]
            chain.append(Place(code, name, level))
            code = parent
        return tuple(chain)

    def locate_index(self, lon: float, lat: float) -> int | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # A point on a shared border belongs to the grid with the smallest code, deterministically.
        return min(hits, key=lambda i: self.codes[i])

    def locate_many(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Tree index of the grid holding each point, or -1; vectorised for bulk work."""
        points = shapely.points(lons, lats)
        result = np.full(len(points), -1, dtype=np.int64)
        point_idx, tree_idx = self.tree.query(points, predicate="intersects")
        # Reverse order so that, for a point on a border, the first hit written last wins.
        result[point_idx[::-1]] = tree_idx[::-1]
        return result

    def location(self, index: int) -> Location:
        code = self.codes[index]
        return Location(
            grid=Place(code, self.names[index], "grid"), regions=self._chains.get(code[:12], ())
        )


_lock = threading.Lock()
_state: dict = {"index": None, "version": None, "checked_at": 0.0}


def _version():
    from shanzhi.territory.models import Grid, Region

    grids = Grid.objects.aggregate(n=Count("pk"), t=Max("updated_at"))
    regions = Region.objects.aggregate(n=Count("pk"), t=Max("updated_at"))
    return (grids["n"], grids["t"], regions["n"], regions["t"])


def _build() -> GridIndex:
    from shanzhi.territory.models import Grid, Region

    grids = list(
        Grid.objects.order_by("code").values_list("code", "name", "village_id", "geometry")
    )
    regions = {
        code: (name, level, parent)
        for code, name, level, parent in Region.objects.values_list(
            "code", "name", "level", "parent_id"
        )
    }
    return GridIndex(grids, regions)


def get_index() -> GridIndex:
    now = time.monotonic()
    if _state["index"] is not None and now - _state["checked_at"] < REFRESH_SECONDS:
        return _state["index"]
    with _lock:
        version = _version()
        if _state["index"] is None or version != _state["version"]:
            _state["index"] = _build()
            _state["version"] = version
        _state["checked_at"] = time.monotonic()
        return _state["index"]


def invalidate() -> None:
    with _lock:
        _state["index"] = None
        _state["checked_at"] = 0.0


def locate(lon: float, lat: float) -> Location | None:
    """The grid and regions holding the point, or None when it lies in no grid."""
    index = get_index()
    hit = index.locate_index(lon, lat)
    return None if hit is None else index.location(hit)
