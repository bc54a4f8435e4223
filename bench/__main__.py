"""``python -m bench``: every figure with its target, as a table and in bench/results.json.

Sections run in this order (``BENCH_ONLY=ussd,sms`` picks some): the scale load first,
so the submit hop then inserts into a table of a million rows, as production would.
A section whose piece of the app has not landed yet prints as ``pending``; one that
fails prints as ``error`` and the others still run.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from dataclasses import asdict
from typing import Any

from bench import prepare, report
from bench.settings import RESULTS, Settings

SECTIONS = ("scale", "ussd", "submit", "send", "session", "sms", "profile", "faults")


def _section(name: str) -> Any:
    import importlib

    module = "bench.profiling" if name == "profile" else f"bench.{name}"
    return importlib.import_module(module)


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds, so the server under test is stopped too


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    # A forked child (a section's pool worker or send host) dies at SIGTERM as usual: with
    # this handler it raised SystemExit wherever it waited, and a pool worker could die
    # holding the task queue's lock and leave another waiting on it for ever.
    os.register_at_fork(after_in_child=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    settings = Settings()
    started = time.monotonic()
    rep = report.Report()
    print(f"bench: {settings.database_url} / {settings.redis_url}; {settings.describe_server()}",
          flush=True)
    # Other work on the machine skews every figure; the load averages say how much there was.
    rep.details["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    prepare.prepare(settings)
    for name in SECTIONS:
        if not settings.wants(name) or (name == "profile" and not settings.profile):
            continue
        t0 = time.monotonic()
        print(f"bench: {name} ...", flush=True)
        try:
            _section(name).run(settings, rep)
        except Exception as exc:  # one broken section must not hide the others' figures
            traceback.print_exc()
            rep.error(name, exc)
        rep.details.setdefault("section_seconds", {})[name] = round(time.monotonic() - t0, 1)
    rep.details["total_seconds"] = round(time.monotonic() - started, 1)
    print()
    print(report.table(rep))
    print(f"\ntotal {rep.details['total_seconds']:.0f}s; written to {RESULTS}")
    report.write_json(rep, RESULTS, asdict(settings) | {"server": settings.describe_server()})
    return 1 if any(f.status == "error" for f in rep.figures) else 0


if __name__ == "__main__":
    sys.exit(main())
