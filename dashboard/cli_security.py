"""`cityops audit verify [--archive DIR]`: walk the audit log's hash chain and name the first broken link.
Once entries are pruned (audit retention), the store's chain starts at the anchor of the last pruned entry;
with --archive the archive files and the store are walked as one chain from the first entry."""
from __future__ import annotations

import argparse
import sys


def cmd_audit(args: argparse.Namespace) -> int:
    from .cli import _settings
    from .store import audit_archive, audit_chain, open_store
    settings = _settings(args)
    archive = getattr(args, "archive", None)
    store = open_store(settings.effective_database_url)
    try:
        with store.connect() as conn:
            anchor = audit_chain.latest_anchor(conn)
            if archive:
                archived, checked, broken = audit_archive.verify(conn, archive)
            else:
                archived, (checked, broken) = 0, audit_chain.verify(conn)
    finally:
        store.close()
    if broken is not None:
        print(f"audit log BROKEN after {archived + checked} good entries: {broken}", file=sys.stderr)
        return 1
    if archive:
        print(f"audit log intact: {archived} archived and {checked} stored entries, each linked to the one "
              "before, from the first")
    elif anchor is not None:
        print(f"audit log intact: {checked} entries, each linked to the one before, from the last pruned entry "
              f"({anchor.through_id}; check the archive too with --archive DIR)")
    else:
        print(f"audit log intact: {checked} entries, each linked to the one before")
    return 0


def add_parsers(sub, common) -> None:
    p = sub.add_parser("audit", help="check the audit log")
    common(p)
    sp = p.add_subparsers(dest="audit_command", required=True)
    v = sp.add_parser("verify", help="check the hash chain; exit 1 naming the first broken link")
    v.add_argument("--archive", metavar="DIR",
                   help="also the archive of pruned entries (DATA_DIR/audit-archive), end to end")
    p.set_defaults(func=cmd_audit)
