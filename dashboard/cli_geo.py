"""`cityops basemap …` (tile archives for the maps) and `cityops geo read FILE` (what CityOps makes of
a GIS layer: coordinate system, features, every problem with its fix)."""
from __future__ import annotations

import argparse
import json
import sys

BAD_INPUT = 2


def add_parsers(sub, common) -> None:
    p = sub.add_parser("basemap", help="base-map tile archives (MBTiles, PMTiles) served by CityOps",
                       description="Add a raster tile archive (MBTiles or PMTiles): it is copied into the data "
                                   "directory, recorded in the store and shown by the operations map and the wall "
                                   "from then on (pages opened after it). With no archive, the maps use tile_url, "
                                   "or the base map drawn from the districts.")
    common(p)
    bsub = p.add_subparsers(dest="basemap_command", required=True)
    a = bsub.add_parser("add", help="add an archive and put it in force")
    a.add_argument("file", metavar="FILE", help="an .mbtiles or .pmtiles file of raster tiles")
    a.add_argument("--name", help="its name in tile URLs (default: from the file name)")
    a.add_argument("--keep-current", action="store_true", help="add it without putting it in force")
    common(a)
    common(bsub.add_parser("list", help="the archives, and which one is in force"))
    u = bsub.add_parser("use", help="put an added archive in force (--none: the drawn base map)")
    u.add_argument("name", nargs="?")
    u.add_argument("--none", action="store_true")
    common(u)
    r = bsub.add_parser("remove", help="forget an archive (its file stays in the data directory)")
    r.add_argument("name")
    common(r)
    p.set_defaults(func=cmd_basemap)

    g = sub.add_parser("geo", help="read a GIS layer as CityOps would, and list its problems")
    gsub = g.add_subparsers(dest="geo_command", required=True)
    rd = gsub.add_parser("read", help="print a layer as WGS-84 GeoJSON (stdout) and its problems (stderr)")
    rd.add_argument("file", metavar="FILE", help="GeoJSON, Shapefile (.shp or .zip), GeoPackage or CSV")
    rd.add_argument("--crs", help="the layer's coordinate system if the file does not say it, or says it "
                                  "wrong: EPSG:4549, CGCS2000, GCJ-02, BD-09 …")
    rd.add_argument("--layer", help="the layer of a GeoPackage (default: the first)")
    rd.add_argument("--encoding", help="attribute text encoding (default: the .cpg, or detected)")
    rd.add_argument("--quiet", action="store_true", help="only the problems, no GeoJSON")
    g.set_defaults(func=cmd_geo)


def _store(args):
    from .cli import _settings
    from .store import open_store
    settings = _settings(args)
    store = open_store(settings.effective_database_url)
    store.upgrade()
    return settings, store


def cmd_basemap(args: argparse.Namespace) -> int:
    import getpass

    from .geo.tiles import ArchiveError
    from .services.basemap import add_archive
    from .store import geo as geo_store
    settings, store = _store(args)
    try:
        if args.basemap_command == "add":
            try:
                row = add_archive(store, settings.data_dir, args.file, args.name, actor=f"cli:{getpass.getuser()}",
                                  activate=not args.keep_current)
            except (ArchiveError, OSError) as exc:
                print(f"cityops: {exc}", file=sys.stderr)
                return BAD_INPUT
            print(f"base map {row['name']} added: {row['archive']}, {row['tile_format']} tiles, zoom "
                  f"{row['min_zoom']}–{row['max_zoom']}, bounds {', '.join(f'{v:.4f}' for v in row['bounds'])}"
                  f"{' — in force' if row['active'] else ''}")
            return 0
        if args.basemap_command == "list":
            with store.connect() as conn:
                rows = geo_store.basemaps(conn)
            for r in rows:
                print(f"{'*' if r['active'] else ' '} {r['name']:20} {r['archive']:8} {r['tile_format']:5} "
                      f"z{r['min_zoom']}–{r['max_zoom']}  {r['size_bytes']:>12,} B  {r['file_name']}")
            if not rows:
                print("no tile archives: the maps use tile_url, or the base map drawn from the districts")
            return 0
        if args.basemap_command == "use":
            with store.begin() as conn:
                ok = geo_store.activate_basemap(conn, None if args.none else args.name)
            if not ok or (not args.none and not args.name):
                print(f"cityops: no base map named {args.name!r} (see `cityops basemap list`)", file=sys.stderr)
                return BAD_INPUT
            print("the drawn base map is in force" if args.none else f"base map {args.name} is in force")
            return 0
        with store.begin() as conn:
            ok = geo_store.remove_basemap(conn, args.name)
        if not ok:
            print(f"cityops: no base map named {args.name!r}", file=sys.stderr)
            return BAD_INPUT
        print(f"base map {args.name} removed")
        return 0
    finally:
        store.close()


def cmd_geo(args: argparse.Namespace) -> int:
    from .geo import GeoReadError, read_layer
    try:
        layer = read_layer(args.file, crs=args.crs, layer=args.layer, encoding=args.encoding)
    except GeoReadError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return BAD_INPUT
    for issue in layer.issues:
        print(issue, file=sys.stderr)
    print(f"{layer.name}: {len(layer)} features read as {layer.source_crs}", file=sys.stderr)
    if not args.quiet:
        json.dump(layer.feature_collection(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    return BAD_INPUT if layer.errors else 0
