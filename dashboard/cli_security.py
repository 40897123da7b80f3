"""`cityops audit verify`: walk the audit log's hash chain and name the first broken link."""
from __future__ import annotations

import argparse
import sys


def cmd_audit(args: argparse.Namespace) -> int:
    from .cli import _settings
    from .store import audit_chain, open_store
    settings = _settings(args)
    store = open_store(settings.effective_database_url)
    try:
        with store.connect() as conn:
            checked, broken = audit_chain.verify(conn)
    finally:
        store.close()
    if broken is not None:
        print(f"audit log BROKEN after {checked} good entries: {broken}", file=sys.stderr)
        return 1
    print(f"audit log intact: {checked} entries, each linked to the one before")
    return 0


def add_parsers(sub, common) -> None:
    p = sub.add_parser("audit", help="check the audit log")
    common(p)
    sp = p.add_subparsers(dest="audit_command", required=True)
    sp.add_parser("verify", help="check the hash chain; exit 1 naming the first broken link")
    p.set_defaults(func=cmd_audit)
