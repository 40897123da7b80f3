"""Backups and restores of a running store, with the evidence files of the data directory.

A backup is one tar file: `manifest.json` (what it holds, the schema revision, and the counts and
checksums of incidents, their history and the audit log as of the copy), the database copy
(`store.sqlite3` — SQLite's online backup API, one consistent snapshot that writers do not wait for in
WAL mode — or `store.pgdump` — pg_dump's custom format, taken in the same snapshot the counts are read
in), `evidence/…` (the data directory's evidence folder, when there is one) and `audit-archive/…` (the
audit entries the retention round archived before pruning them: without them the audit log's chain can
only be verified from its anchor, not from the first entry).

A restore goes into an empty store (a store with no incidents, history, audit entries, events or users),
or over a non-empty one only when forced; then it prints the same counts and checksums, read back from
the restored store."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import Store, as_utc, audit_archive, migrate, open_store, schema as t

FORMAT = 1
CHECKED = (("incidents", t.incidents), ("incident_history", t.incident_history), ("audit_log", t.audit_log))
CONTENT_TABLES = ("incidents", "incident_history", "audit_log", "events", "users")
EVIDENCE = "evidence"
AUDIT_ARCHIVE = audit_archive.FOLDER
FOLDERS = (EVIDENCE, AUDIT_ARCHIVE)   # the data directory's folders a backup carries


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why."""


def _canonical(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    if isinstance(value, str) and value[:1] in "{[":
        try:   # JSON kept as text (SQLite) reads the same as JSON kept as jsonb
            return json.loads(value)
        except ValueError:
            return value
    return value


def table_summary(conn: Connection, table: sa.Table) -> dict:
    """{"rows": n, "sha256": hex} over every column of every row, in id order."""
    digest = hashlib.sha256()
    n = 0
    names = [c["name"] for c in sa.inspect(conn).get_columns(table.name)]   # the store's own (an older release's too)
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(
        sa.select(*[sa.column(c) for c in names]).select_from(sa.table(table.name)).order_by(sa.column("id")))
    for row in result:
        digest.update(json.dumps([_canonical(v) for v in row], sort_keys=True, default=str,
                                 ensure_ascii=False).encode())
        digest.update(b"\n")
        n += 1
    return {"rows": n, "sha256": digest.hexdigest()}


def summary(conn: Connection) -> dict:
    return {name: table_summary(conn, table) for name, table in CHECKED}


def format_summary(s: dict) -> str:
    return "\n".join(f"  {name:18} {v['rows']:>12,} rows  sha256 {v['sha256']}" for name, v in s.items())


def is_empty(store: Store) -> bool:
    insp = sa.inspect(store.engine)
    names = set(insp.get_table_names())
    with store.connect() as conn:
        for name in CONTENT_TABLES:
            if name in names and conn.execute(sa.text(f"SELECT 1 FROM {name} LIMIT 1")).first():
                return False
    return True


def _libpq_url(store: Store) -> str:
    return store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _current_schema(conn: Connection) -> str:
    return conn.exec_driver_sql("SELECT current_schema()").scalar()


@dataclass
class Result:
    path: Path
    manifest: dict


def backup(store: Store, data_dir: str | Path, target: str | Path) -> Result:
    """Write a backup of the running `store` (and data_dir/evidence) to `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cityops-backup-") as tmp:
        tmp = Path(tmp)
        if store.dialect == "sqlite":
            db_name = "store.sqlite3"
            _sqlite_copy(store, tmp / db_name)
            copy = open_store(f"sqlite:///{tmp / db_name}")
            try:
                with copy.connect() as conn:
                    counts = summary(conn)
                    revision = _revision(conn)
            finally:
                copy.close()
            schema = None
        elif store.dialect == "postgresql":
            db_name = "store.pgdump"
            counts, revision, schema = _pg_dump(store, tmp / db_name)
        else:
            raise BackupError(f"no backup for a {store.dialect} store")
        folders = {name: _files(Path(data_dir) / name) for name in FOLDERS}
        files = folders[EVIDENCE]
        manifest = {"format": FORMAT, "dialect": store.dialect, "revision": revision, "schema": schema,
                    "database": db_name, "created_at": datetime.now(timezone.utc).isoformat(),
                    "counts": counts, "evidence_files": len(files),
                    "evidence_bytes": sum(p.stat().st_size for p in files),
                    "audit_archive_files": len(folders[AUDIT_ARCHIVE])}
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(tmp / db_name, arcname=db_name)
            for name, found in folders.items():
                for p in found:
                    tar.add(p, arcname=f"{name}/{p.relative_to(Path(data_dir) / name).as_posix()}")
        os.replace(partial, target)
    return Result(target, manifest)


def _files(folder: Path) -> list[Path]:
    # the archive's lock file is the pruner's, not content
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".lock")) \
        if folder.is_dir() else []


def _revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext
    return MigrationContext.configure(conn).get_current_revision()


def _sqlite_copy(store: Store, path: Path) -> None:
    """SQLite's online backup in one step: a consistent snapshot; in WAL mode writers go on meanwhile."""
    raw = store.engine.raw_connection()
    try:
        dst = sqlite3.connect(path)
        try:
            raw.driver_connection.backup(dst)
        finally:
            dst.close()
    finally:
        raw.close()


def _pg_dump(store: Store, path: Path) -> tuple[dict, str | None, str]:
    """pg_dump in the snapshot of a repeatable-read transaction that also reads the counts."""
    if not shutil.which("pg_dump"):
        raise BackupError("pg_dump is not installed (it comes with the PostgreSQL client tools)")
    with store.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            schema = _current_schema(conn)
            cmd = ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={path}"]
            if schema != "public":
                cmd.append(f"--schema={schema}")
            cmd.append(f"--dbname={_libpq_url(store)}")
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=24 * 3600)
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            counts = summary(conn)
            revision = _revision(conn)
    return counts, revision, schema


def read_manifest(file: str | Path) -> dict:
    try:
        with tarfile.open(file, "r") as tar:
            member = tar.extractfile("manifest.json")
            if member is None:
                raise KeyError
            return json.loads(member.read())
    except (KeyError, tarfile.TarError, ValueError, OSError) as exc:
        raise BackupError(f"{file} is not a CityOps backup ({exc.__class__.__name__}: {exc})") from None


def restore(store: Store, data_dir: str | Path, file: str | Path, force: bool = False) -> dict:
    """Restore `file` into `store` (and data_dir/evidence); returns {"manifest", "counts"} where counts
    are read back from the restored store."""
    manifest = read_manifest(file)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not one this release reads ({FORMAT})")
    if manifest["dialect"] != store.dialect:
        raise BackupError(f"the backup is of a {manifest['dialect']} store; this store is {store.dialect}")
    if not force and not is_empty(store):
        raise BackupError("the store is not empty (it holds incidents, history, audit entries, events or users); "
                          "restore into an empty store, or replace what it holds with --force")
    with tempfile.TemporaryDirectory(prefix="cityops-restore-") as tmp:
        tmp = Path(tmp)
        with tarfile.open(file, "r") as tar:
            db_member = tar.getmember(manifest["database"])
            tar.extract(db_member, tmp, filter="data")
            kept = [m for m in tar.getmembers() if m.isfile() and m.name.split("/", 1)[0] in FOLDERS]
            for m in kept:
                tar.extract(m, Path(data_dir), filter="data")
        db = tmp / manifest["database"]
        if store.dialect == "sqlite":
            src = sqlite3.connect(db)
            raw = store.engine.raw_connection()
            try:
                src.backup(raw.driver_connection)
            finally:
                raw.close()
                src.close()
            store.engine.dispose()
        else:
            _pg_restore(store, db, manifest)
    with store.connect() as conn:
        counts = summary(conn)
    return {"manifest": manifest, "counts": counts}


def _pg_restore(store: Store, dump: Path, manifest: dict) -> None:
    if not shutil.which("pg_restore"):
        raise BackupError("pg_restore is not installed (it comes with the PostgreSQL client tools)")
    schema = manifest.get("schema") or "public"
    with store.begin() as conn:   # whatever is there (an empty schema, or with --force the old data) goes first
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        if schema == "public":
            conn.exec_driver_sql("CREATE SCHEMA public")
    cmd = ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
           f"--dbname={_libpq_url(store)}", str(dump)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=24 * 3600)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    store.engine.dispose()


def default_backup_path(data_dir: str | Path, revision: str | None) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path(data_dir) / "backups" / f"cityops-{stamp}-rev{revision or 'none'}.tar"


def pending_revisions(store: Store) -> tuple[str | None, str, list[tuple[str, str]]]:
    """(current revision, head, [(revision, what it does)] still to apply, oldest first)."""
    from alembic.script import ScriptDirectory
    script = ScriptDirectory.from_config(migrate.alembic_config(store.engine.url.render_as_string(False)))
    current = migrate.current_revision(store.engine)
    head = script.get_current_head()
    steps = []
    for rev in script.iterate_revisions(head, current):
        steps.append((rev.revision, (rev.doc or "").strip().splitlines()[0] if rev.doc else ""))
    return current, head, list(reversed(steps))
