"""`cityops suggest …`: train the dispatch-suggestion model, evaluate it on a held-out month, list the
models, turn dispatching by itself on or off per category, record renamed or merged departments."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path


def _services(args, demo_days: int | None = None):
    from .cli import _settings
    from .services.container import build_services
    settings = _settings(args)
    return build_services(settings)


def _say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def cmd_suggest(args: argparse.Namespace) -> int:
    from .services import suggest as svc
    command = args.suggest_command
    if command == "evaluate" and args.demo:
        return _evaluate_demo(args)
    services = _services(args)
    try:
        if command == "train":
            version = svc.train(services, say=_say)
            with services.store.connect() as conn:
                from .store import suggest as store
                info = store.model_info(conn, version)
            held = info["thresholds"].get("0.99", {})
            right = "—" if held.get("precision") is None else f"{100 * held['precision']:.1f} %"
            print(f"model version {version}: learned from {info['trained_on']} closed cases; on the held-out "
                  f"newest cases {100 * held.get('coverage', 0):.1f} % would be dispatched by themselves at the 99 % "
                  f"threshold ({right} right)")
        elif command == "evaluate":
            month = args.month or _last_full_month(services.tz)
            figures = svc.evaluate_month(services, month, say=_say)
            print(json.dumps(figures, default=str) if args.json else
                  svc.metrics.format_report(figures, f"Dispatch suggestions, held-out month {month} "
                                                     f"(trained on everything before it)"))
        elif command == "models":
            with services.store.connect() as conn:
                from .store import suggest as store
                for m in store.models(conn):
                    held = m["thresholds"].get("0.99", {})
                    print(f"v{m['version']:<4} {'active' if m['active'] else '      '} {m['trained_at']:%Y-%m-%d %H:%M} "
                          f"{m['trained_on']:>8} cases  {m['size_bytes'] / 1e6:6.1f} MB  "
                          f"auto at 99 %: {100 * held.get('coverage', 0):5.1f} % of held-out")
        elif command == "auto":
            categories = args.category or []
            if args.all:
                categories = sorted({c for d in services.city.departments for c in d.categories})
            if not categories:
                print("cityops: name categories or give --all", file=sys.stderr)
                return 2
            for code in categories:
                svc.set_auto_dispatch(services, code, not args.off, args.precision, by="cli")
            print(f"dispatching by itself {'off' if args.off else 'on'} at {args.precision:g} precision for "
                  f"{', '.join(categories)}")
        elif command == "remap":
            mapping = dict(pair.split("=", 1) for pair in args.pairs)
            current = svc.remap_departments(services, mapping)
            print("departments mapped for suggestions: " + (", ".join(f"{k} → {v}" for k, v in current.items()) or "none"))
    except ValueError as exc:
        print(f"cityops: {exc}", file=sys.stderr)
        return 2
    finally:
        services.close()
    return 0


def _last_full_month(tz) -> str:
    now = datetime.now(timezone.utc).astimezone(tz)
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _evaluate_demo(args: argparse.Namespace) -> int:
    """The demo city's past (`--days` of it) written into a throw-away store, then evaluated."""
    from dataclasses import replace

    from .cli import _settings
    from .demo.history import backfill
    from .services import suggest as svc
    from .services.container import build_services
    with tempfile.TemporaryDirectory(prefix="cityops-suggest-") as tmp:
        settings = replace(_settings(args), demo=True, database_url=f"sqlite:///{Path(tmp) / 'demo.db'}")
        services = build_services(settings)
        try:
            written = backfill(services, args.days)
            _say(f"demo city: {written} incidents of the last {args.days} days written to a temporary store")
            month = args.month or _last_full_month(services.tz)
            figures = svc.evaluate_month(services, month, say=_say)
            print(json.dumps(figures, default=str) if args.json else
                  svc.metrics.format_report(figures, f"Dispatch suggestions on the demo city, held-out month {month} "
                                                     f"(trained on the {args.days}-day past before it)"))
        finally:
            services.close()
    return 0


def add_parsers(sub, common) -> None:
    p = sub.add_parser("suggest", help="dispatch suggestions learned from the closed cases (智能派单)")
    common(p)
    s = p.add_subparsers(dest="suggest_command", required=True)
    q = s.add_parser("train", help="learn from every closed case and store a new model version")
    common(q)
    q = s.add_parser("evaluate", help="train on everything before a month, test on the month, print the figures")
    common(q)
    q.add_argument("--month", help="YYYY-MM (default: the last full month)")
    q.add_argument("--json", action="store_true", help="print the figures as JSON")
    q.add_argument("--demo", action="store_true", help="evaluate on the demo city's past in a temporary store "
                                                       "(the configured store is not touched)")
    q.add_argument("--days", type=int, default=120, help="with --demo: days of the demo city's past (default 120)")
    q = s.add_parser("models", help="list the stored model versions")
    common(q)
    q = s.add_parser("auto", help="let CityOps dispatch a category's new reports by itself when confident")
    common(q)
    q.add_argument("category", nargs="*", help="category codes")
    q.add_argument("--all", action="store_true", help="every category the departments answer for")
    q.add_argument("--off", action="store_true", help="turn it off instead")
    q.add_argument("--precision", type=float, default=0.99, help="target precision (default 0.99)")
    q = s.add_parser("remap", help="departments renamed or merged: OLD=NEW … (applied at prediction time)")
    common(q)
    q.add_argument("pairs", nargs="+", metavar="OLD=NEW")
    p.set_defaults(func=cmd_suggest)
