"""Point → grid lookup: `GridIndex.locate_many` against a plain Python loop, in the same run.

    shanzhi bench locate [--points N] [--repeat R] [--seed S] [--baseline-points M]

Layers: (a) the grids in the configured database (run `shanzhi demo` first), (b) a synthetic
100×100 layer of 10,000 jittered quadrilaterals built in memory. Random points fall uniformly in
each layer's bounding box. The baseline (candidate boxes from a per-cell bucket, then an
unprepared `polygon.contains(Point)`) is slow, so it runs on a smaller sample; its per-point rate
is what the ratio compares against. Target (issue): ≥ 200,000 points/s on one core for (b).
"""

import argparse
import itertools
import platform
import statistics
import sys
import time

import numpy as np
import shapely
from django.db import DatabaseError

from shanzhi.territory.locate import GridIndex, get_index

TARGET = 200_000  # points/s for the synthetic layer


def synthetic_grids(rng, n=100, bounds=(119.5, 30.4, 120.6, 31.1), jitter=0.3):
    """n×n non-overlapping quadrilaterals with shared, jittered vertices; the outline is the box."""
    x0, y0, x1, y1 = bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1), indexing="ij")
    dx, dy = (x1 - x0) / n, (y1 - y0) / n
    xs[1:-1, 1:-1] += rng.uniform(-jitter, jitter, (n - 1, n - 1)) * dx
    ys[1:-1, 1:-1] += rng.uniform(-jitter, jitter, (n - 1, n - 1)) * dy
    grids = []
    for i in range(n):
        for j in range(n):
            ring = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1), (i, j)]
            coords = [[float(xs[a, b]), float(ys[a, b])] for a, b in ring]
            geometry = {"type": "Polygon", "coordinates": [coords]}
            grids.append((f"SYN{i:03d}{j:03d}", f"synthetic {i},{j}", "SYN", geometry))
    return grids


class Baseline:
    """Plain Python: candidate boxes from a per-cell bucket, then unprepared polygon.contains."""

    def __init__(self, geometries):
        # Fresh copies: GridIndex prepares its geometries in place, the baseline must not use that.
        self.polygons = list(shapely.from_wkb(shapely.to_wkb(geometries)))
        self.boxes = [p.bounds for p in self.polygons]
        self.x0, self.y0, x1, y1 = shapely.total_bounds(self.polygons)
        self.cells = max(1, int(len(self.polygons) ** 0.5))
        self.cw, self.ch = (x1 - self.x0) / self.cells, (y1 - self.y0) / self.cells
        self.buckets = {}
        for k, (bx0, by0, bx1, by1) in enumerate(self.boxes):
            (cx0, cy0), (cx1, cy1) = self._cell(bx0, by0), self._cell(bx1, by1)
            for cell in itertools.product(range(cx0, cx1 + 1), range(cy0, cy1 + 1)):
                self.buckets.setdefault(cell, []).append(k)

    def _cell(self, x, y):
        clamp = lambda v: min(max(int(v), 0), self.cells - 1)  # noqa: E731
        return clamp((x - self.x0) / self.cw), clamp((y - self.y0) / self.ch)

    def locate(self, lons, lats):
        result = []
        for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True):
            hit = -1
            for k in self.buckets.get(self._cell(lon, lat), ()):
                bx0, by0, bx1, by1 = self.boxes[k]
                if not (bx0 <= lon <= bx1 and by0 <= lat <= by1):
                    continue
                if self.polygons[k].contains(shapely.Point(lon, lat)):
                    hit = k
                    break
            result.append(hit)
        return np.array(result, dtype=np.int64)


def median_seconds(repeat, *fns):
    """Median wall time of each function over `repeat` interleaved rounds."""
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, spent in zip(fns, times, strict=True):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def run_layer(name, index, args, rng):
    geometries = index.geometries
    x0, y0, x1, y1 = shapely.total_bounds(geometries)
    lons, lats = rng.uniform(x0, x1, args.points), rng.uniform(y0, y1, args.points)
    fast, build_points = median_seconds(
        args.repeat, lambda: index.locate_many(lons, lats), lambda: shapely.points(lons, lats)
    )
    hits = index.locate_many(lons, lats)

    baseline = Baseline(geometries)
    m = min(args.baseline_points, args.points)
    [slow] = median_seconds(args.repeat, lambda: baseline.locate(lons[:m], lats[:m]))
    expected = baseline.locate(lons[:m], lats[:m])
    differ = np.flatnonzero(expected != hits[:m])
    for i in differ:  # contains() excludes the boundary, intersects includes it: only borders
        hit = geometries[hits[i]] if hits[i] >= 0 else None
        if hit is None or not hit.boundary.intersects(shapely.Point(lons[i], lats[i])):
            raise AssertionError(f"{name}: baseline and locate_many disagree at point {i}")

    rate, base_rate = args.points / fast, m / slow
    return {
        "layer": name,
        "grids": len(geometries),
        "points": args.points,
        "hit": float(np.mean(hits >= 0)),
        "seconds": fast,
        "rate": rate,
        "base_rate": base_rate,
        "ratio": rate / base_rate,
        "build_points": build_points,
        "checked": m,
        "on_border": len(differ),
    }


def main():
    parser = argparse.ArgumentParser(
        prog="shanzhi bench locate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; median kept")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--baseline-points", type=int, default=20_000)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    try:
        demo = get_index()
    except DatabaseError as error:
        demo, reason = None, f"database not ready ({error})"
    else:
        reason = "the database holds no grids"
    if demo is None or not demo.codes:
        print(f"{reason}; run `shanzhi demo` first.", file=sys.stderr)
        sys.exit(1)

    print(
        f"shanzhi bench locate: Python {platform.python_version()}, shapely {shapely.__version__}"
        f" (GEOS {shapely.geos_version_string}), numpy {np.__version__}"
    )
    print(
        "one core: the vectorised STRtree query runs single-threaded; "
        f"median of {args.repeat} runs; seed {args.seed}"
    )
    print(
        f"baseline = plain Python loop (bucketed candidate boxes + unprepared polygon.contains), "
        f"measured on the first {min(args.baseline_points, args.points):,} points of each layer\n"
    )
    start = time.perf_counter()
    synthetic = GridIndex(synthetic_grids(rng), {})
    synthetic_build = time.perf_counter() - start

    rows = [
        run_layer("(a) demo", demo, args, rng),
        run_layer("(b) synthetic", synthetic, args, rng),
    ]
    header = ("layer", "grids", "points", "hit %", "median s", "points/s", "baseline/s", "ratio")
    print("{:<14} {:>6} {:>10} {:>6} {:>9} {:>11} {:>11} {:>7}".format(*header))
    for r in rows:
        print(
            f"{r['layer']:<14} {r['grids']:>6,} {r['points']:>10,} {r['hit'] * 100:>6.1f}"
            f" {r['seconds']:>9.3f} {r['rate']:>11,.0f} {r['base_rate']:>11,.0f}"
            f" {r['ratio']:>6.1f}×"
        )
    print()
    for r in rows:
        print(
            f"{r['layer']}: baseline agrees with locate_many on {r['checked']:,} points"
            f" ({r['on_border']} on a border); shapely.points() alone takes"
            f" {r['build_points']:.3f} s of its {r['seconds']:.3f} s"
        )
    print(f"(b) synthetic index built in {synthetic_build:.2f} s (not part of the rate)")
    verdict = "PASS" if rows[1]["rate"] >= TARGET else "MISS"
    print(f"target (b) ≥ {TARGET:,} points/s: {verdict} ({rows[1]['rate']:,.0f} points/s)")


if __name__ == "__main__":
    main()
