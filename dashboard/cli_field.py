"""Field work from the shell (issue 18): `cityops inspector beat NAME --district … --grid …` sets an
inspector's beat; `cityops evidence prune` lists (and with --commit removes) photos no case refers to
any more and their files."""
from __future__ import annotations

import argparse
import sys

BAD = 2


def add_parsers(sub, common) -> None:
    p = sub.add_parser("inspector", help="inspectors' beats (districts or unit-grid cells)")
    common(p)
    ins = p.add_subparsers(dest="inspector_command", required=True)
    beat = ins.add_parser("beat", help="set the districts and grid cells an inspector walks")
    beat.add_argument("name")
    beat.add_argument("--district", action="append", default=[], help="a district code (repeat for more)")
    beat.add_argument("--grid", action="append", default=[], help="a unit-grid cell code (repeat for more)")
    p.set_defaults(func=cmd_inspector)

    p = sub.add_parser("evidence", help="photo evidence kept in the data directory and the store")
    common(p)
    p.add_argument("evidence_command", choices=["prune"])
    p.add_argument("--grace-minutes", type=float, default=60.0,
                   help="leave alone anything younger than this (an upload in flight writes its file before its "
                        "row commits); default 60")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="list what would be removed (the default)")
    mode.add_argument("--commit", action="store_true", help="remove it")
    p.set_defaults(func=cmd_evidence)


def _services(args):
    from .cli import _settings
    from .services.container import build_services
    return build_services(_settings(args))


def cmd_inspector(args: argparse.Namespace) -> int:
    from .domain.identity import Identity
    from .services import field
    from .services.incident_actions import ActionError
    services = _services(args)
    try:
        field.set_beat(services, Identity("cli", "admin", via="cli"), args.name, args.district, args.grid)
    except ActionError as exc:
        print(f"cityops inspector beat: {exc}", file=sys.stderr)
        return BAD
    finally:
        services.close()
    print(f"{args.name}: districts {', '.join(args.district) or '–'}; grid cells {', '.join(args.grid) or '–'}")
    return 0


def cmd_evidence(args: argparse.Namespace) -> int:
    from datetime import timedelta
    from .services import evidence
    if args.grace_minutes < 0:
        print("cityops evidence prune: --grace-minutes cannot be negative", file=sys.stderr)
        return BAD
    services = _services(args)
    try:
        pruned = evidence.prune_unlinked(services, timedelta(minutes=args.grace_minutes), commit=args.commit)
    finally:
        services.close()
    verb = "removed" if pruned.done else "would remove"
    for r in pruned.rows:
        print(f"{verb}: photo {r['sha256']} ({r['size_bytes']} bytes): no case refers to it (row, thumbnail, file)")
    for path in pruned.files:
        print(f"{verb}: file {path}: no photo row names it")
    for path in pruned.leftovers:
        print(f"{verb}: file {path}: left over from an interrupted upload")
    count = len(pruned.rows) + len(pruned.files) + len(pruned.leftovers)
    print(f"{count} item(s), {pruned.bytes / 1e6:.1f} MB {verb}"
          + ("" if pruned.done else "; nothing changed: run with --commit to remove them"))
    return 0
