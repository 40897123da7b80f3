"""`cityops users …`, `cityops token …`, `cityops kiosk …`: people and credentials, from the shell.
Passwords come from stdin or a prompt, never from an argument (arguments show up in `ps`)."""
from __future__ import annotations

import argparse
import getpass
import sys

from .domain.identity import Identity


def _auth(args):
    from .cli import _settings
    from .services.auth import AuthService
    from .services.container import build_services
    services = build_services(_settings(args))
    return services, AuthService(services)


def _cli_identity() -> Identity:
    return Identity(f"cli:{getpass.getuser()}", "admin", via="cli")


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise SystemExit("cityops: the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_users(args: argparse.Namespace) -> int:
    from .services.auth import AuthError
    services, auth = _auth(args)
    try:
        if args.users_command == "add":
            auth.add_user(_cli_identity(), args.name, args.role, args.department, _read_password(), args.display_name)
            print(f"user {args.name} added ({args.role}{', ' + args.department if args.department else ''})")
        elif args.users_command == "list":
            for u in auth.list_users():
                state = "disabled" if u["disabled"] else "active"
                print(f"{u['username']:20} {u['role']:11} {u['department'] or '-':8} {state:9} {u['display_name'] or ''}")
        elif args.users_command in ("disable", "enable"):
            auth.set_disabled(_cli_identity(), args.name, args.users_command == "disable")
            print(f"user {args.name} {args.users_command}d")
        elif args.users_command == "reset-password":
            auth.reset_password(_cli_identity(), args.name, _read_password(), temporary=not args.permanent)
            print(f"password of {args.name} reset" + ("" if args.permanent else
                                                       " (temporary: they choose their own at the next sign-in)"))
        elif args.users_command == "set-role":   # the user's open sessions end
            auth.set_role(_cli_identity(), args.name, args.role, args.department)
            print(f"user {args.name} is now {args.role}{', ' + args.department if args.department else ''}")
    except AuthError as exc:
        print(f"cityops: {exc}", file=sys.stderr)
        return 2
    finally:
        services.close()
    return 0


def cmd_token(args: argparse.Namespace, kind: str = "api") -> int:
    from .services.auth import AuthError
    services, auth = _auth(args)
    try:
        if args.token_command == "create":
            secret = auth.create_token(_cli_identity(), args.name, getattr(args, "user", None), kind=kind)
            if kind == "kiosk":
                s = services.settings
                print(f"wall link (keep it secret; revoke with `cityops kiosk revoke {args.name}`):")
                print(f"  http://{s.host}:{s.port}/wall?kiosk={secret}")
            elif kind == "open311":
                print(secret)
                print(f"(shown once; the app sends it as api_key when it POSTs requests; revoke with "
                      f"`cityops open311-key revoke {args.name}`)", file=sys.stderr)
            else:
                print(secret)
                print(f"(shown once; send it as 'Authorization: Bearer …'; revoke with "
                      f"`cityops token revoke {args.name}`)", file=sys.stderr)
        elif args.token_command == "revoke":
            auth.revoke_token(_cli_identity(), args.name, kind=kind)
            print(f"{kind} token {args.name} revoked")
        elif args.token_command == "list":
            for tk in auth.list_tokens(kind):
                state = f"revoked {tk['revoked_at']:%Y-%m-%d}" if tk["revoked_at"] else "active"
                print(f"{tk['name']:20} {tk['prefix']:12} {tk['username'] or '-':12} {state}")
    except AuthError as exc:
        print(f"cityops: {exc}", file=sys.stderr)
        return 2
    finally:
        services.close()
    return 0


def add_parsers(sub, common) -> None:
    p = sub.add_parser("users", help="add, list, disable or reset users")
    common(p)
    us = p.add_subparsers(dest="users_command", required=True)
    add = us.add_parser("add", help="add a user; the password is read from stdin or a prompt")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["admin", "dispatcher", "operator", "leader", "inspector"])
    add.add_argument("--department", help="the department code of an operator")
    add.add_argument("--display-name")
    us.add_parser("list")
    for verb in ("disable", "enable"):
        us.add_parser(verb).add_argument("name")
    reset = us.add_parser("reset-password", help="set a new password (read from stdin or a prompt); the person "
                                                 "must choose their own at the next sign-in unless --permanent")
    reset.add_argument("name")
    reset.add_argument("--permanent", action="store_true",
                       help="keep this password (e.g. a service account); also ends a pending forced change")
    role = us.add_parser("set-role", help="change a user's role (their open sessions end)")
    role.add_argument("name")
    role.add_argument("--role", required=True, choices=["admin", "dispatcher", "operator", "leader", "inspector"])
    role.add_argument("--department", help="the department code of an operator")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("token", help="API bearer tokens")
    common(p)
    ts = p.add_subparsers(dest="token_command", required=True)
    create = ts.add_parser("create", help="print a new token acting as user NAME (or --user)")
    create.add_argument("name")
    create.add_argument("--user", help="the user the token acts as (default: NAME)")
    ts.add_parser("revoke").add_argument("name", help="token name or prefix")
    ts.add_parser("list")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("kiosk", help="wall kiosk links (read-only wall, no sign-in)")
    common(p)
    ks = p.add_subparsers(dest="token_command", required=True)
    ks.add_parser("create").add_argument("name", help="e.g. the screen's place: hall-east")
    ks.add_parser("revoke").add_argument("name")
    ks.add_parser("list")
    p.set_defaults(func=lambda a: cmd_token(a, kind="kiosk"))
