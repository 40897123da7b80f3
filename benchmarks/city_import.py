"""City package import: a large city (10,000 road segments, 500 stations, 300 categories, 12
districts, 40 departments) read and validated from its files, then imported into a new store (the
plan, then the commit in one transaction), then imported again (nothing changes), on SQLite and
PostgreSQL. Goal: the import under 30 s.

    python benchmarks/city_import.py [--segments 10000] [--stations 500] [--categories 300] [--backend both]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import machine, open_backend  # noqa: E402
from dashboard.citypkg.read import read_package  # noqa: E402
from dashboard.citypkg.write import write_package  # noqa: E402
from dashboard.domain.categories import Category  # noqa: E402
from dashboard.domain.city import City, Department, District, RoadSegment, SourceId, Station  # noqa: E402
from dashboard.domain.routing import RoutingRule  # noqa: E402
from dashboard.services import city_import  # noqa: E402

W, S, SIZE = 118.50, 31.80, 0.15          # districts: a 4 × 3 grid of 0.15° squares


def big_city(segments: int, stations: int, categories: int, seed: int = 1) -> City:
    rng = random.Random(seed)
    cells = [(i, j) for j in range(3) for i in range(4)]
    districts = tuple(District(f"D{k + 1:02d}", f"第{k + 1}区", f"District {k + 1}",
                               {"type": "Polygon", "coordinates": [[
                                   [W + i * SIZE, S + j * SIZE], [W + (i + 1) * SIZE, S + j * SIZE],
                                   [W + (i + 1) * SIZE, S + (j + 1) * SIZE], [W + i * SIZE, S + (j + 1) * SIZE],
                                   [W + i * SIZE, S + j * SIZE]]]})
                      for k, (i, j) in enumerate(cells))

    def inside(k: int) -> tuple[float, float]:
        i, j = cells[k]
        return (W + (i + rng.uniform(0.05, 0.95)) * SIZE, S + (j + rng.uniform(0.05, 0.95)) * SIZE)

    kinds = ("component", "event", "traffic", "environment", "emergency")
    cats = []
    for n in range(categories):
        kind = kinds[0] if n < categories * 0.45 else kinds[1] if n < categories * 0.9 else kinds[2 + n % 3]
        group = n // 10
        code = f"{group + 1:02d}{n % 10 + 1:02d}" if kind == "component" else f"{group + 1:02d}{n % 10 + 1:03d}"
        cats.append(Category(code, kind, f"大类{group + 1}", f"Class {group + 1}", f"小类{n + 1}", f"Item {n + 1}",
                             1 + n % 4, group_code=f"{group + 1:02d}", reportable=kind in ("component", "event"),
                             limits=("2h", "24h", "3wd", "5wd"), standard_open="位置明确、属于管理范围",
                             standard_close="修复完好，有处置前后照片"))
    departments = tuple(Department(f"dep{k:02d}", f"部门{k}", f"Department {k}", (), (f"D{k % 12 + 1:02d}",) if k >= 12 else (),
                                   "区级" if k >= 12 else "市级", f"dep{k}@example.invalid") for k in range(40))
    rules = tuple(RoutingRule(f"{c.domain}:{c.group_code}", None, f"dep{int(c.group_code) % 12:02d}", False, True)
                  for c in {c.group_key: c for c in cats}.values())
    rules += tuple(RoutingRule(c.code, f"D{k % 12 + 1:02d}", f"dep{12 + k % 28:02d}", k % 5 == 0)
                   for k, c in enumerate(cats[:120]))
    segs = []
    for n in range(segments):
        k = n % 12
        x, y = inside(k)
        segs.append(RoadSegment(f"S{n + 1:05d}", f"路段{n + 1}", f"Segment {n + 1}", f"D{k + 1:02d}", 40.0 + n % 5 * 10,
                                {"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)],
                                                                       [round(x + 0.002, 6), round(y + 0.001, 6)]]}))
    stas = []
    for n in range(stations):
        k = n % 12
        x, y = inside(k)
        stas.append(Station(f"{1001 + n}A", f"站点{n + 1}", f"Station {n + 1}", f"D{k + 1:02d}", round(x, 6), round(y, 6)))
    sources = tuple(SourceId("sensorthings", f"thing-{n}", "station", s.id) for n, s in enumerate(stas)) + \
        tuple(SourceId("datex2", f"site-{n}", "segment", s.id) for n, s in enumerate(segs[:2000]))
    return City("基准市", "Bench City", (W + 2 * SIZE, S + 1.5 * SIZE), districts, departments, tuple(segs), tuple(stas),
                categories=tuple(cats), routing=rules, source_ids=sources, timezone="Asia/Shanghai",
                default_language="zh-CN", version="bench-1")


def run(backend: str, path: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        store, cleanup = open_backend(backend, tmp)
        try:
            t0 = time.perf_counter()
            package = read_package(path)
            t1 = time.perf_counter()
            assert package.ok, [str(p) for p in package.problems.errors][:5]
            plan = city_import.plan(store, package)
            t2 = time.perf_counter()
            city_import.commit(store, plan, actor="bench")
            t3 = time.perf_counter()
            again = city_import.plan(store, read_package(path))
            t4 = time.perf_counter()
            assert again.empty
        finally:
            cleanup()
    return {"read": t1 - t0, "plan": t2 - t1, "commit": t3 - t2, "total": t3 - t0, "again": t4 - t3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=10_000)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--categories", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bigcity"
        write_package(big_city(args.segments, args.stations, args.categories), path)
        size = sum(p.stat().st_size for p in path.iterdir())
        print(f"city package: {args.segments:,} segments, {args.stations:,} stations, {args.categories} categories, "
              f"{size / 1e6:.1f} MB ({machine()})")
        print("| backend | read + validate | plan | commit | import total | identical import again |")
        print("|---|---|---|---|---|---|")
        for backend in (("sqlite", "postgresql") if args.backend == "both" else (args.backend,)):
            r = run(backend, path)
            print(f"| {'SQLite' if backend == 'sqlite' else 'PostgreSQL'} | {r['read']:.2f} s | {r['plan']:.2f} s | "
                  f"{r['commit']:.2f} s | {r['total']:.2f} s | {r['again']:.2f} s (no change) |", flush=True)


if __name__ == "__main__":
    main()
