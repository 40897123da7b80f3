"""DATEX II streaming: a 50 MB MeasuredDataPublication (as national access points publish it every
minute) read by the datex2 parser — events made and counted, nothing kept — beside a bare
ElementTree iterparse of the same file (every element, cleared as it ends). Each run is its own
process, so its peak memory (VmHWM, the interpreter included) is its own. The ratio is taken on CPU
time (best of --repeat), which other work on a shared machine disturbs less than wall time; both shown.
Goals (issue 19): peak memory < 200 MB; time <= 2x the bare iterparse.

    python benchmarks/datex2_stream.py [--mb 50] [--version 2|3] [--gzip]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import machine  # noqa: E402


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(mode: str, path: str) -> None:
    """One measurement in this process; prints a JSON line."""
    if mode == "bare":
        import gzip
        import xml.etree.ElementTree as ET
        started, cpu = time.perf_counter(), time.process_time()
        n = 0
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            for _, elem in ET.iterparse(f, events=("end",)):
                n += 1
                elem.clear()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(json.dumps({"mode": mode, "seconds": seconds, "cpu": cpu, "items": n, "peak_mb": _peak_mb()}))
        return
    from connectors.datex2 import iter_items
    from connectors.parsing import Reject
    started, cpu = time.perf_counter(), time.process_time()
    events = rejects = 0
    with open(path, "rb") as f:
        for item in iter_items(f, max_bytes=2_000_000_000):
            if isinstance(item, Reject):
                rejects += 1
            else:
                events += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu": cpu, "items": events, "rejects": rejects, "peak_mb": _peak_mb()}))


def _run(mode: str, path: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", mode, path], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"the {mode} run failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="publication size, unzipped (default 50)")
    ap.add_argument("--version", type=int, choices=[2, 3], default=2)
    ap.add_argument("--gzip", action="store_true", help="the file gzipped (.xml.gz)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the best time is shown")
    ap.add_argument("--measure", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        _measure(*args.measure)
        return
    from tests.support.datex2_publication import write_publication
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "measured.xml.gz" if args.gzip else "measured.xml")
        sites = write_publication(Path(path), int(args.mb * 1_000_000), version=args.version, gzipped=args.gzip)
        size = os.path.getsize(path) / 1e6
        print(f"DATEX II v{args.version} MeasuredDataPublication: {args.mb:g} MB unzipped, {sites} sites, "
              f"file {size:.1f} MB{' (gzip)' if args.gzip else ''}; {machine()}")
        bares = [_run("bare", path) for _ in range(args.repeat)]
        ourses = [_run("datex2", path) for _ in range(args.repeat)]
        bare, ours = (min(r, key=lambda x: x["seconds"]) for r in (bares, ourses))
        bare_cpu, ours_cpu = (min(x["cpu"] for x in r) for r in (bares, ourses))
        assert ours["items"] == sites, (ours, sites)
        ratio = ours_cpu / bare_cpu
        print(f"  bare iterparse : {bare['seconds']:.2f} s ({bare_cpu:.2f} s CPU), peak {bare['peak_mb']:.0f} MB "
              f"({bare['items']} elements)")
        print(f"  datex2 parser  : {ours['seconds']:.2f} s ({ours_cpu:.2f} s CPU), peak {ours['peak_mb']:.0f} MB "
              f"({ours['items']} events, {ours['rejects']} rejects)")
        print(f"  time {ratio:.2f}x the bare iterparse in CPU time, {ours['seconds'] / bare['seconds']:.2f}x "
              f"in wall time (best of {args.repeat} each; goal <= 2x): {'met' if ratio <= 2 else 'NOT met'}; "
              f"peak memory {ours['peak_mb']:.0f} MB (goal < 200 MB): {'met' if ours['peak_mb'] < 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
