"""`cityops city init|validate|import|export|history`: the city package, from the shell.

  cityops city init mycity                      a commented starter package that validates
  cityops city validate mycity                  every problem, with file, line or feature; exit 2 if any
  cityops city import mycity                    what would change; nothing is written
  cityops city import mycity --commit           apply it (one transaction, audited)
  cityops city export DIR                       the city in force as a package
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_PROBLEMS = 2


def _store(args):
    from .cli import _settings
    from .store import open_store
    settings = _settings(args)
    store = open_store(settings.effective_database_url)
    store.upgrade()
    return settings, store


def _print_problems(package) -> None:
    for problem in package.problems:
        print(f"  {problem}")


def _counts(package) -> str:
    return ", ".join(f"{n} {k}" for k, n in package.counts.items() if n)


def _read(path: str):
    from .citypkg.read import read_package
    return read_package(path)


def cmd_init(args: argparse.Namespace) -> int:
    from .citypkg.starter import write_starter
    try:
        files = write_starter(args.dir)
    except FileExistsError as exc:
        print(f"cityops: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"starter city package written to {args.dir}: {', '.join(f.name for f in files)}")
    print(f"next: edit it, then `cityops city validate {args.dir}` and `cityops city import {args.dir} --commit`")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    package = _read(args.dir)
    errors, warnings = package.problems.errors, package.problems.warnings
    if errors:
        print(f"{args.dir}: {len(errors)} problem(s)" + (f", {len(warnings)} warning(s)" if warnings else ""))
        _print_problems(package)
        return EXIT_PROBLEMS
    _print_problems(package)
    print(f"{args.dir}: valid — {_counts(package)}" + (f" ({len(warnings)} warning(s))" if warnings else ""))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .services import city_import
    package = _read(args.dir)
    if package.problems.errors:
        print(f"{args.dir}: {len(package.problems.errors)} problem(s); nothing imported")
        _print_problems(package)
        return EXIT_PROBLEMS
    _print_problems(package)
    settings, store = _store(args)
    try:
        plan = city_import.plan(store, package)
        from .services import city_users   # users.csv: new users only, each with a temporary password
        users = city_users.plan(store, package.users)
        head = f"{package.city.name_zh} / {package.city.name_en}, package version {package.city.version}"
        if plan.empty and users.empty:
            print(f"{head}: no changes (the store holds this city already)")
            for line in users.lines():   # existing users that differ: reported, never changed by an import
                print(line)
            return 0
        print(f"{head}: {'a first import' if plan.first else 'changes'} —")
        for line in plan.lines() + users.lines():
            print(line)
        if plan.refusals:
            print("cannot be imported:")
            for refusal in plan.refusals:
                print(f"  {refusal}")
            return EXIT_PROBLEMS
        if not args.commit:
            print("nothing changed: add --commit to apply")
            return 0
        from .bus import open_bus
        bus = open_bus(settings.bus_url)
        try:
            import_id = city_import.commit(store, plan, bus=bus)
        finally:
            bus.close()
        if import_id is not None:
            print(f"imported (import {import_id}, checksum {package.checksum[:12]}); running processes pick it up "
                  "within seconds")
        for note in plan.notes:   # e.g. renamed departments carried into the dispatch suggestions
            print(note)
        logins_file, logins = city_users.commit(store, users, settings.data_dir, city_users.whoami())
        if logins_file is not None:
            print(f"{len(logins)} user(s) added; their temporary passwords are in {logins_file} (readable by you "
                  "only): hand each to its user, then delete the file. Each sets their own at first sign-in.")
        return 0
    except ValueError as exc:
        print(f"cityops: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        store.close()


def cmd_export(args: argparse.Namespace) -> int:
    from .citypkg.write import write_package
    from .store import reference
    _, store = _store(args)
    try:
        with store.connect() as conn:
            try:
                city = reference.load_city(conn)
            except LookupError as exc:
                print(f"cityops: {exc}", file=sys.stderr)
                return EXIT_PROBLEMS
        target = Path(args.dir)
        if target.exists() and any(target.iterdir()) and not args.force:
            print(f"cityops: {target} is not empty (use --force to write over its package files)", file=sys.stderr)
            return EXIT_PROBLEMS
        files = write_package(city, target)
        from .geo.package import export_files   # the unit grid and area codes in force (#15)
        with store.connect() as conn:
            for name, text in export_files(conn).items():
                (target / name).write_text(text, encoding="utf-8", newline="")
                files.append(target / name)
        print(f"{city.name_zh} / {city.name_en} ({city.version}) exported to {target}: {', '.join(f.name for f in files)}")
        return 0
    finally:
        store.close()


def cmd_history(args: argparse.Namespace) -> int:
    from .services import city_import
    _, store = _store(args)
    try:
        for item in city_import.history(store):
            print(f"{item['id']:4}  {item['at']:%Y-%m-%d %H:%M}  {item['actor']:16} {item['package_version']:16} "
                  f"{item['checksum'][:12]}  {item['summary']}")
        return 0
    finally:
        store.close()


def add_parsers(sub, common) -> None:
    p = sub.add_parser("city", help="the city package: init, validate, import, export, history")
    city_sub = p.add_subparsers(dest="city_command", required=True)
    for name, func, helptext, store in (
            ("init", cmd_init, "write a commented starter package into a new folder", False),
            ("validate", cmd_validate, "check a package; list every problem (exit 2 when there is one)", False),
            ("import", cmd_import, "show what a package would change; --commit applies it", True),
            ("export", cmd_export, "write the city in force as a package", True),
            ("history", cmd_history, "the imports, newest first", True)):
        q = city_sub.add_parser(name, help=helptext)
        if name != "history":
            q.add_argument("dir", help="the package folder")
        if name == "import":
            q.add_argument("--commit", action="store_true", help="apply the change (one transaction, audited)")
        if name == "export":
            q.add_argument("--force", action="store_true", help="write into a folder that is not empty")
        if store:
            common(q)
        q.set_defaults(func=func)
