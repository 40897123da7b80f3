"""Keeping it running: `cityops backup FILE`, `cityops restore FILE [--force]`, `cityops retention run`,
and what `cityops db upgrade` does before and after migrating (say what it will do, back up first)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .store import backup as bk
from .store import open_store
from .store import retention as prune

BAD = 2


def add_parsers(sub, common) -> None:
    p = sub.add_parser("backup", help="back the running store up into FILE (with the data directory's evidence)",
                       description="Back up the store while CityOps runs (SQLite: online backup; PostgreSQL: "
                                   "pg_dump) with the evidence files of the data directory into one tar FILE. "
                                   "Prints the counts and checksums of incidents, history and audit.")
    common(p)
    p.add_argument("file", metavar="FILE", help="the backup file to write (a tar)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup FILE into an empty store",
                       description="Restore a backup into the configured store and data directory. Refuses a "
                                   "store that holds data unless --force. Prints the counts and checksums read "
                                   "back from the restored store and checks them against the backup's.")
    common(p)
    p.add_argument("file", metavar="FILE", help="a file `cityops backup` wrote")
    p.add_argument("--force", action="store_true", help="replace what a non-empty store holds")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("retention", help="roll up and prune now, once (the worker in run/ingest does it by itself)")
    common(p)
    p.add_argument("retention_command", choices=["run"])
    p.set_defaults(func=cmd_retention)


def _settings(args):
    from .cli import _settings
    return _settings(args)


def cmd_backup(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = open_store(settings.effective_database_url)
    try:
        result = bk.backup(store, settings.data_dir, args.file)
    except bk.BackupError as exc:
        print(f"cityops backup: {exc}", file=sys.stderr)
        return BAD
    finally:
        store.close()
    m = result.manifest
    print(f"backup written: {result.path} ({result.path.stat().st_size:,} bytes; {m['dialect']} store at "
          f"revision {m['revision']}; {m['evidence_files']} evidence files, "
          f"{m.get('audit_archive_files', 0)} audit archive files)")
    print(bk.format_summary(m["counts"]))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    settings = _settings(args)
    store = open_store(settings.effective_database_url)
    try:
        out = bk.restore(store, settings.data_dir, args.file, force=args.force)
    except bk.BackupError as exc:
        print(f"cityops restore: {exc}", file=sys.stderr)
        return BAD
    finally:
        store.close()
    m = out["manifest"]
    print(f"restored {args.file} ({m['dialect']} store at revision {m['revision']}, backed up {m['created_at']}; "
          f"{m['evidence_files']} evidence files, {m.get('audit_archive_files', 0)} audit archive files)")
    print(bk.format_summary(out["counts"]))
    if out["counts"] != m["counts"]:
        print("cityops restore: the restored counts or checksums differ from the backup's:", file=sys.stderr)
        print(bk.format_summary(m["counts"]), file=sys.stderr)
        return 1
    print("the same as in the backup.")
    if m.get("revision"):
        print("run `cityops db upgrade` if this release is newer than the backup's.")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from .services.container import build_services
    from .services.retention import RetentionWorker
    settings = _settings(args)
    services = build_services(settings)
    try:
        report = RetentionWorker(services).round()
    finally:
        services.close()
    print(report)
    return 0


# -- db upgrade -------------------------------------------------------------------------------------
def add_upgrade_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-backup", action="store_true", help="db upgrade: do not back the store up first")
    p.add_argument("--backup-file", help="db upgrade: where the backup goes (default DATA_DIR/backups/…)")
    p.add_argument("--dry-run", action="store_true", help="db upgrade: only say what it would do")


def before_upgrade(settings, args) -> bool:
    """Say what the upgrade will do; back the store up first (unless --no-backup). False: stop here."""
    store = open_store(settings.effective_database_url)
    try:
        current, head, steps = bk.pending_revisions(store)
        where = store.engine.url.render_as_string(hide_password=True)
        if not steps:
            print(f"the schema is at the newest revision {head} ({where}): nothing to migrate")
        else:
            print(f"will migrate {where} from revision {current or '(none: a new store)'} to {head}:")
            for rev, doc in steps:
                print(f"  {rev}  {doc}")
        if store.dialect == "sqlite" and current is not None and prune.auto_vacuum_mode(store) != 2:
            print("then rewrite the SQLite file once (VACUUM) so that pruning hands space back (incremental vacuum)")
        if getattr(args, "dry_run", False):
            return False
        if steps and current is not None and not getattr(args, "no_backup", False) and not bk.is_empty(store):
            target = Path(args.backup_file) if getattr(args, "backup_file", None) else \
                bk.default_backup_path(settings.data_dir, current)
            print(f"backing up first into {target} (skip with --no-backup) …", flush=True)
            result = bk.backup(store, settings.data_dir, target)
            print(bk.format_summary(result.manifest["counts"]))
        return True
    finally:
        store.close()


def after_upgrade(store) -> None:
    if store.dialect == "sqlite" and prune.auto_vacuum_mode(store) != 2:
        print("rewriting the SQLite file for incremental vacuum …", flush=True)
        prune.make_incremental(store)
