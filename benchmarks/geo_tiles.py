"""Base-map tiles served per second from an archive: the archive alone (MBTiles, PMTiles), and through
CityOps' own route (/tiles/<name>/<z>/<x>/<y>.png: store lookup cached, ETag, Cache-Control) in one
process, signed in with a bearer token, from 1 and 4 threads.

    python benchmarks/geo_tiles.py [--seconds 5]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import machine  # noqa: E402
from tests.support.geo_tiles import make_mbtiles, make_pmtiles, tile_range  # noqa: E402

BOUNDS = (118.55, 31.85, 119.05, 32.25)
ZOOMS = range(9, 14)


def tiles():
    out = []
    for z in ZOOMS:
        xs, ys = tile_range(*BOUNDS, z)
        out += [(z, x, y) for x in xs for y in ys]
    return out


def rate(fn, keys, seconds: float, threads: int = 1) -> float:
    done = [0] * threads
    stop = time.monotonic() + seconds

    def work(k: int) -> None:
        rng = random.Random(k)
        while time.monotonic() < stop:
            fn(*rng.choice(keys))
            done[k] += 1
    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(done) / seconds


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    from dashboard.bus import MemoryBus
    from dashboard.config import Settings
    from dashboard.demo.city import build_city
    from dashboard.domain.identity import Identity
    from dashboard.geo.tiles import open_archive
    from dashboard.services import basemap
    from dashboard.services.auth import AuthService
    from dashboard.services.container import Services
    from dashboard.store import open_store, reference
    from dashboard.web.server import build_server

    keys = tiles()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = open_store(f"sqlite:///{tmp / 'bench.sqlite3'}")
        store.upgrade()
        city = build_city(7)
        with store.begin() as conn:
            reference.save_city(conn, city)
        services = Services(replace(Settings(), data_dir=str(tmp), demo=False), store, MemoryBus(), city)
        admin = Identity("bench", "admin", via="cli")
        AuthService(services).add_user(admin, "bench", "dispatcher", None, "correct horse battery")
        token = AuthService(services).create_token(admin, "bench")
        for kind, make in (("mbtiles", make_mbtiles), ("pmtiles", make_pmtiles)):
            src = make(tmp / f"src.{kind}", bounds=BOUNDS, zooms=ZOOMS)
            size = src.stat().st_size / 1e6
            archive = open_archive(src)
            rows.append((kind, "archive read, 1 thread", len(keys), size, rate(archive.tile, keys, args.seconds)))
            archive.close()
            basemap.add_archive(store, tmp, src, kind, actor="bench")
            server = build_server(services)
            client_local = threading.local()
            headers = {"Authorization": f"Bearer {token}"}

            def get(z, x, y):
                client = getattr(client_local, "c", None)
                if client is None:
                    client = client_local.c = server.test_client()
                r = client.get(f"/tiles/{kind}/{z}/{x}/{y}.png", headers=headers)
                assert r.status_code == 200, r.status_code
            for threads in (1, 4):
                rows.append((kind, f"CityOps route, {threads} thread(s)", len(keys), size,
                             rate(get, keys, args.seconds, threads)))
        store.close()
    print(f"# tiles served per second ({machine()})")
    print(f"{'archive':8} {'how':30} {'tiles':>6} {'MB':>6} {'tiles/s':>9}")
    for kind, how, n, size, per_s in rows:
        print(f"{kind:8} {how:30} {n:>6,} {size:>6.1f} {per_s:>9,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
