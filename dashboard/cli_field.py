"""Field work from the shell (issue 18): `cityops inspector beat NAME --district … --grid …` sets an
inspector's beat; `cityops evidence prune` removes photos no case refers to any more."""
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
    p.add_argument("--days", type=float, default=1.0, help="only photos unlinked for at least this long")
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
    services = _services(args)
    try:
        gone = evidence.prune_unlinked(services, timedelta(days=args.days))
    finally:
        services.close()
    print(f"{gone} unlinked photo(s) removed")
    return 0
