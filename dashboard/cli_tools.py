"""`cityops parse --format FORMAT FILE`: what CityOps makes of a payload, for integrators pointing
it at a real system.

Prints one normalized event a line (Event.to_json) on stdout. Exit status 0 when every item of
the payload became an event. Exit status 2 when the payload cannot be read at all, or when any
item of it was rejected: the good events are still printed, and each reason (what, and where in
the payload) goes to stderr — a feed with rejects would put dead letters in the store, and a
script checking a sample should notice. FILE "-" reads stdin. A gzip file (.xml.gz, as DATEX II
access points publish) is read unzipped; a DATEX II publication is read streaming, line by line.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import zlib

from connectors.errors import ConnectorError
from connectors.formats import FORMATS, parse_as

BAD_INPUT = 2


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "parse", help="print the events a payload (a file, or - for stdin) gives, as JSON lines",
        description="Parse one payload as the connectors would and print the normalized events as JSON "
                    "lines. Exit 0 if all of it was usable; 2 if it was not, or if any item was rejected "
                    "(the reasons go to stderr).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="formats:\n" + "\n".join(f"  {f.name:14} {f.describes}" for f in FORMATS.values()))
    p.add_argument("--format", required=True, choices=list(FORMATS), metavar="FORMAT",
                   help="the payload's format (listed below)")
    p.add_argument("file", metavar="FILE", help="the payload; - reads stdin")
    p.set_defaults(func=cmd_parse)


def _read(name: str) -> bytes:
    """The payload's bytes; a gzip file (.gz, or gzip bytes on stdin) is unzipped, as connectors do."""
    if name == "-":
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8")
    else:
        with open(name, "rb") as f:
            data = f.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise OSError(f"not a readable gzip file: {exc}") from None
    return data


def cmd_parse(args: argparse.Namespace) -> int:
    label = "stdin" if args.file == "-" else args.file
    if args.format == "datex2" and args.file != "-":   # big publications (gzip or not): streamed from the file
        try:
            with open(args.file, "rb") as f:
                return _parse_datex2(f, label)
        except OSError as exc:
            print(f"cityops parse: cannot read {label}: {exc.strerror or exc}", file=sys.stderr)
            return BAD_INPUT
    try:
        data = _read(args.file)
    except OSError as exc:
        print(f"cityops parse: cannot read {label}: {exc.strerror or exc}", file=sys.stderr)
        return BAD_INPUT
    if args.format == "datex2":
        return _parse_datex2(data, label)
    try:
        parsed = parse_as(args.format, data)
    except ConnectorError as exc:   # ParseError says where; others (an Open311 error array) say what
        print(f"cityops parse: {label} is not usable {args.format}: {exc}", file=sys.stderr)
        return BAD_INPUT
    for event in parsed:
        print(json.dumps(event.to_json(), ensure_ascii=False, default=str))
    for skipped in getattr(parsed, "skipped", []):
        print(f"cityops parse: skipped {skipped.reason}", file=sys.stderr)
    for reject in parsed.rejects:
        print(f"cityops parse: rejected {reject.reason}", file=sys.stderr)
    if parsed.rejects:
        print(f"cityops parse: {len(parsed)} events, {len(parsed.rejects)} rejected", file=sys.stderr)
        return BAD_INPUT
    return 0


def _parse_datex2(data, label: str) -> int:
    """One line per site as it is read, so a 50 MB publication prints without being held."""
    from connectors.datex2 import iter_items
    from connectors.parsing import Reject
    events = rejects = 0
    try:
        for item in iter_items(data):
            if isinstance(item, Reject):
                rejects += 1
                print(f"cityops parse: rejected {item.reason}", file=sys.stderr)
            else:
                events += 1
                print(json.dumps(item.to_json(), ensure_ascii=False, default=str))
    except ConnectorError as exc:
        print(f"cityops parse: {label} is not usable datex2: {exc}", file=sys.stderr)
        return BAD_INPUT
    if rejects:
        print(f"cityops parse: {events} events, {rejects} rejected", file=sys.stderr)
        return BAD_INPUT
    return 0
