"""`cityops`: run everything in one process, or each part on its own."""
from __future__ import annotations

import argparse
import copy
import json
import logging
import shlex
import signal
import sys
import threading
from dataclasses import replace

from . import __version__, config

log = logging.getLogger("cityops")


def _settings(args: argparse.Namespace) -> config.Settings:
    return config.load(
        getattr(args, "config", None), port=getattr(args, "port", None), host=getattr(args, "host", None),
        data_dir=getattr(args, "data_dir", None), seed=getattr(args, "seed", None),
        demo_speed=getattr(args, "speed", None), scenario=getattr(args, "scenario", None),
        lang=getattr(args, "lang", None))


def _common(p: argparse.ArgumentParser, web: bool = False, demo: bool = False) -> None:
    p.add_argument("--config", help="TOML settings file (see `cityops config`)")
    p.add_argument("--data-dir", help="directory for the SQLite store and local state")
    if web:
        p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, help="web port (default 8050; the push relay takes port+1)")
        p.add_argument("--lang", choices=["zh-CN", "en"], help="default language of the screens")
    if demo:
        p.add_argument("--seed", type=int, help="random seed of the demo city (default 7)")
        p.add_argument("--speed", type=float, help="demo pace multiplier (default 1)")
        p.add_argument("--scenario", choices=["storm", "pollution", "rush-hour"], help="start a demo scenario")


def _common_options() -> dict[str, argparse.Action]:
    """Every option `_common` can add, by option string: the options people type before or after
    the subcommand."""
    probe = argparse.ArgumentParser(add_help=False)
    _common(probe, web=True, demo=True)
    return {o: a for a in probe._actions for o in a.option_strings}


def _spread_common(parser: argparse.ArgumentParser, inherited: tuple = ()) -> None:
    """Give every sub-subcommand the common options of the subcommand above it, so
    `cityops kiosk create hall --port 8050` works as well as `cityops kiosk --port 8050 create hall`.
    The copies default to SUPPRESS: a value given higher up is not overwritten by a default lower down.
    Runs over the finished tree, so subcommands added by any cli_*.py module get it without doing anything."""
    common = set(_common_options())
    own = tuple(a for a in parser._actions if set(a.option_strings) & common)
    for action in own:   # declared again lower down: a value given higher up still stands
        if any(action.dest == a.dest for a in inherited):
            action.default = argparse.SUPPRESS
    for action in inherited:
        if not any(o in parser._option_string_actions for o in action.option_strings):
            copied = copy.copy(action)
            copied.default = argparse.SUPPRESS
            copied.container = parser
            parser._add_action(copied)
    carried = inherited + tuple(a for a in own if a not in inherited)
    for sub_action in parser._actions:
        if isinstance(sub_action, argparse._SubParsersAction):
            for child in dict.fromkeys(sub_action.choices.values()):
                _spread_common(child, carried)


def _lift_common(parser: argparse.ArgumentParser, top: bool = True) -> dict[str, argparse.Action]:
    """Give every subcommand the common options its sub-subcommands declare, so that
    `cityops city --data-dir D import PKG` works where only `city import` declared --data-dir.
    Returns the common options declared at or below `parser` (by option string)."""
    common = set(_common_options())
    below: dict[str, argparse.Action] = {}
    for sub_action in parser._actions:
        if isinstance(sub_action, argparse._SubParsersAction):
            for child in dict.fromkeys(sub_action.choices.values()):
                for option, action in _lift_common(child, top=False).items():
                    below.setdefault(option, action)
    if not top:   # the root takes none itself: _hoist_common moves them after the subcommand
        for action in dict.fromkeys(below.values()):
            if not any(o in parser._option_string_actions for o in action.option_strings):
                copied = copy.copy(action)
                copied.container = parser
                parser._add_action(copied)
    return {**below, **{o: a for a in parser._actions for o in a.option_strings if o in common}}


def _hoist_common(argv: list[str]) -> list[str]:
    """`cityops --data-dir D users list` → `cityops users list --data-dir D`: common options typed
    before the subcommand move after it, where the subcommand (and its sub-subcommands) parse them.
    A command that takes no such option then says so ("unrecognized arguments") instead of ignoring it."""
    options = _common_options()
    hoisted: list[str] = []
    rest = list(argv)
    i = 0
    while i < len(rest) and rest[i].startswith("-") and rest[i] != "--":
        name = rest[i].split("=", 1)[0]
        if name not in options:
            i += 1
            continue
        takes_value = "=" not in rest[i] and options[name].nargs != 0
        n = 2 if takes_value and i + 1 < len(rest) else 1
        hoisted += rest[i:i + n]
        del rest[i:i + n]
    if not hoisted:
        return list(argv)
    end = rest.index("--") if "--" in rest else len(rest)
    return rest[:end] + hoisted + rest[end:]


def _logging(settings: config.Settings) -> None:
    from .logging_setup import setup_logging
    setup_logging(settings)


class _Stopper:
    """Ctrl-C / SIGTERM sets one event; every part watches it and stops in order."""

    def __init__(self) -> None:
        self.event = threading.Event()
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, *_):
        if self.event.is_set():
            sys.exit(130)   # a second Ctrl-C: stop now
        self.event.set()    # nothing else here: a handler that blocks (a print to a full pipe) would lose the signal

    def wait(self) -> None:
        """Wait for the signal. The kernel may hand a process's signal to any of its threads, and Python
        runs the handler only when the main thread runs Python code: an untimed wait on a lock could
        then sleep through it (SIGTERM under load was lost). Waking a few times a second, never."""
        while not self.event.wait(0.2):
            pass
        print("\nstopping CityOps …", flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    from .runtime import Runtime
    settings = _settings(args)
    _logging(settings)
    stopper = _Stopper()
    runtime = Runtime(settings, web=True, push=True, connectors=True, demo=settings.demo)
    runtime.start()
    print(runtime.banner(), flush=True)
    stopper.wait()
    runtime.stop()
    print("CityOps stopped; the store is consistent.", flush=True)
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    settings = replace(_settings(args), demo=False)
    _logging(settings)
    if args.workers > 1 or args.gunicorn:
        from .web.gunicorn_runner import serve
        return serve(settings, workers=args.workers, threads=args.threads)
    from .runtime import Runtime
    stopper = _Stopper()
    runtime = Runtime(settings, web=True, push=args.with_push, connectors=False, demo=False)
    runtime.start()
    print(f"CityOps web on {runtime.url}", flush=True)
    stopper.wait()
    runtime.stop()
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from .runtime import Runtime
    settings = replace(_settings(args), demo=False)
    _logging(settings)
    stopper = _Stopper()
    runtime = Runtime(settings, web=False, push=True, connectors=False, demo=False)
    runtime.start()
    print(f"CityOps push relay on ws://{settings.host}:{settings.effective_push_port}/ (bus {settings.bus_url})",
          flush=True)
    stopper.wait()
    runtime.stop()
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from .runtime import Runtime
    settings = _settings(args)
    if args.connector:
        settings = replace(settings, connectors=",".join(args.connector))
    _logging(settings)
    stopper = _Stopper()
    runtime = Runtime(settings, web=False, push=False, connectors=True, demo=False)
    runtime.start()
    print(f"CityOps ingest: {settings.connectors}", flush=True)
    stopper.wait()
    runtime.stop()
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from .demo.city import build_city
    from .demo.feeds import DemoFeeds
    settings = _settings(args)
    _logging(settings)
    stopper = _Stopper()
    feeds = DemoFeeds(build_city(settings.seed), settings.seed, settings.demo_speed, settings.scenario,
                      mqtt_url=settings.mqtt_url)   # its devices publish only where a broker is configured
    endpoints = feeds.start()
    print("The demo city serves its feeds at:", flush=True)
    for name, url in vars(endpoints).items():
        if url:
            print(f"  CITYOPS_{name.upper()}={shlex.quote(url)}", flush=True)
    stopper.wait()
    feeds.stop()
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from .store import migrate
    settings = _settings(args)
    if args.db_command == "upgrade":
        from .cli_keep import after_upgrade, before_upgrade
        from .services.container import build_services
        from .services.intake import ensure_routing_rules
        if not before_upgrade(settings, args):   # says what it will do; backs up first unless --no-backup
            return 0
        # migrates, and with the demo on (the default) stores the demo city's reference data, so
        # separate web, ingest and push processes all read the same city from the store
        services = build_services(settings, upgrade=True)
        ensure_routing_rules(services)
        store = services.store
        after_upgrade(store)
    else:
        from .store import open_store
        store = open_store(settings.effective_database_url)
    print(f"schema at revision {migrate.current_revision(store.engine)} "
          f"({store.engine.url.render_as_string(hide_password=True)})")
    store.close()
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    if args.effective:
        print(json.dumps(_settings(args).__dict__, indent=2, default=str))
        return 0
    for name, default, doc in config.describe():
        print(f"{name:28} default {default:28} {doc}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cityops", description="CityOps city operations command center",
        epilog="Common options (--config, --data-dir, --port, …) go before or after the subcommand: "
               "`cityops --data-dir D users list` and `cityops users list --data-dir D` are the same.")
    parser.add_argument("--version", action="version", version=f"cityops {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="everything in one process: demo city, connectors, ingest, push, web")
    _common(p, web=True, demo=True)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("web", help="the web server only")
    _common(p, web=True)
    p.add_argument("--with-push", action="store_true", help="also run the push relay in this process")
    p.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (default 1: no gunicorn)")
    p.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    p.add_argument("--gunicorn", action="store_true", help="serve with gunicorn even with one worker")
    p.set_defaults(func=cmd_web)

    p = sub.add_parser("push", help="the push relay only, fed from the bus (use a Redis bus)")
    _common(p, web=True)
    p.set_defaults(func=cmd_push)

    p = sub.add_parser("ingest", help="connectors and ingest only")
    _common(p)
    p.add_argument("--connector", action="append", help="run only this connector (repeatable)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("simulate", help="serve the demo city's feeds only")
    _common(p, demo=True)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("db", help="database schema")
    _common(p)
    p.add_argument("db_command", choices=["upgrade", "current"])
    from .cli_keep import add_upgrade_options
    add_upgrade_options(p)
    p.set_defaults(func=cmd_db)

    from .cli_admin import add_parsers
    add_parsers(sub, lambda parser: _common(parser, web=True))
    from . import cli_open_data
    cli_open_data.add_parsers(sub, lambda parser: _common(parser, web=True))
    from . import cli_tools
    cli_tools.add_parsers(sub)
    from . import cli_geo   # basemap, geo read (issue 15)
    cli_geo.add_parsers(sub, lambda parser: _common(parser))
    from .cli_aqi import add_parser as add_aqi_parser
    add_aqi_parser(sub)
    from . import cli_security
    cli_security.add_parsers(sub, _common)
    from . import cli_city
    cli_city.add_parsers(sub, _common)
    from . import cli_keep
    cli_keep.add_parsers(sub, _common)
    from . import cli_suggest
    cli_suggest.add_parsers(sub, _common)
    from . import cli_field   # inspectors' beats, evidence prune (issue 18)
    cli_field.add_parsers(sub, _common)

    p = sub.add_parser("config", help="list every setting with its default and meaning")
    _common(p)
    p.add_argument("--effective", action="store_true", help="print the settings in force")
    p.set_defaults(func=cmd_config)
    _lift_common(parser)
    _spread_common(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(_hoist_common(sys.argv[1:] if argv is None else argv))
    try:
        return args.func(args)
    except ValueError as exc:   # bad settings: say so where the person typed them
        print(f"cityops: {exc}", file=sys.stderr)
        return 2
    except LookupError as exc:
        from .store.reference import NoCityError
        if not isinstance(exc, NoCityError):
            raise
        print(f"cityops: {exc}", file=sys.stderr)   # no city yet: say how to import one
        return 2


if __name__ == "__main__":
    sys.exit(main())
