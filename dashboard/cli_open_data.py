"""`cityops webhooks …` and `cityops open311-key …`: webhooks and Open311 API keys from the shell."""
from __future__ import annotations

import argparse
import json
import sys


def cmd_webhooks(args: argparse.Namespace) -> int:
    from .cli_admin import _auth, _cli_identity
    from .services.webhooks import WebhookError, WebhookService
    services, _ = _auth(args)
    service = WebhookService(services)
    try:
        if args.webhooks_command == "add":
            filters = {k: v for k, v in (("department", args.department), ("category", args.category),
                                         ("district", args.district)) if v}
            hook, secret = service.register(_cli_identity(), args.name, args.url, args.event or ["*"], filters)
            print(f"webhook {hook['id']} {hook['name']} → {hook['url']} ({', '.join(hook['events'])})")
            print(secret)
            print("(the signing secret, shown once: the receiver checks X-CityOps-Signature with it)", file=sys.stderr)
        elif args.webhooks_command == "list":
            for hook in service.list():
                print(f"{hook['id']:4} {hook['name']:24} {hook['url']:40} {','.join(hook['events'])} "
                      f"{json.dumps(hook['filters'], ensure_ascii=False) if hook['filters'] else ''}")
        elif args.webhooks_command == "remove":
            service.delete(_cli_identity(), args.id)
            print(f"webhook {args.id} removed (its delivery history stays)")
        elif args.webhooks_command == "deliveries":
            for d in service.deliveries(args.id, limit=args.limit)["items"]:
                print(f"{d['id']:6} {d['created_at'][:19]} {d['event']:20} {d['status']:10} "
                      f"attempts {d['attempts']} {d['last_status_code'] or ''} {d['last_error'] or ''}")
        elif args.webhooks_command == "run":
            return _run_worker(services)
    except WebhookError as exc:
        print(f"cityops: {exc.message}", file=sys.stderr)
        return 2
    finally:
        services.close()
    return 0


def _run_worker(services) -> int:
    from .cli import _Stopper
    from .services.webhooks import start_worker
    stopper = _Stopper()
    thread = start_worker(services, stopper.event)
    print(f"CityOps webhooks worker (bus {services.settings.bus_url})", flush=True)
    stopper.wait()
    thread.join(timeout=15)
    return 0


def add_parsers(sub, common) -> None:
    p = sub.add_parser("webhooks", help="webhooks: register, list, remove, delivery history, the sending worker")
    common(p)
    ws = p.add_subparsers(dest="webhooks_command", required=True)
    add = ws.add_parser("add", help="register a webhook; prints its signing secret once")
    add.add_argument("name")
    add.add_argument("url")
    add.add_argument("--event", action="append", help="e.g. incident.dispatch (repeatable; default: every event)")
    add.add_argument("--department", action="append", help="only incidents of this department (repeatable)")
    add.add_argument("--category", action="append", help="only incidents of this category (repeatable)")
    add.add_argument("--district", action="append", help="only incidents in this district (repeatable)")
    ws.add_parser("list")
    ws.add_parser("remove").add_argument("id", type=int)
    deliveries = ws.add_parser("deliveries", help="the newest deliveries of a webhook")
    deliveries.add_argument("id", type=int)
    deliveries.add_argument("--limit", type=int, default=50)
    ws.add_parser("run", help="only the worker that sends deliveries (set CITYOPS_WEBHOOKS_WORKER=false elsewhere)")
    p.set_defaults(func=cmd_webhooks)

    from .cli_admin import cmd_token
    from .services.auth import OPEN311_KIND
    p = sub.add_parser("open311-key", help="API keys for apps posting Open311 requests")
    common(p)
    ks = p.add_subparsers(dest="token_command", required=True)
    ks.add_parser("create", help="print a new key for an app (e.g. the city's citizen app)").add_argument("name")
    ks.add_parser("revoke").add_argument("name", help="key name or prefix")
    ks.add_parser("list")
    p.set_defaults(func=lambda a: cmd_token(a, kind=OPEN311_KIND))
