"""Sizing figures on ``make cluster``'s topology: USSD hops per web CPU-second, SMS per worker.

The machine is shared, so wall-clock rates say as much about the neighbours as
about us. Each figure is therefore also given per CPU-second actually spent by
the processes doing the work (from ``/proc``: the process groups of the web
hosts' servers and of the rq workers, with any children they reaped): one
CPU-second is one core busy for a second, which is what a host must be
provisioned with.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from core.db import normalise_url
from ops.cluster import Cluster

TICK = os.sysconf("SC_CLK_TCK")
HOP_SECONDS = float(os.environ.get("SIZING_SECONDS", "20"))
SMS_COUNT = int(os.environ.get("SIZING_SMS", "1000"))
CLIENTS = 8


def cpu_seconds(pgids: list[int]) -> float:
    """CPU time of every live process in these process groups, and of the children they reaped."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in pgids:          # pgrp; then utime stime cutime cstime
            total += sum(int(f) for f in fields[11:15])
    return total / TICK


def hops(c: Cluster) -> dict[str, Any]:
    token, stop = c.env["MREJESHO_CALLBACK_TOKEN"], threading.Event()
    counter = [0]  # += on an int is atomic enough under the GIL for a count of requests

    def client(n: int) -> None:
        http, steps = requests.Session(), ["", "9", "9*2", "9*2*1"]
        for i in itertools.count():
            if stop.is_set():
                return
            http.post(f"{c.url}/ussd/africastalking?token={token}", data={
                "sessionId": f"size-{n}-{i // 4}", "serviceCode": "*152*00#",
                "phoneNumber": f"+255713{n:02d}{i // 4 % 10000:04d}", "networkCode": "63902",
                "text": steps[i % 4]}, timeout=15).raise_for_status()
            counter[0] += 1

    groups = [c.procs[f"web-{n}"].pid for n in range(1, c.webs + 1)]
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    cpu0, t0 = cpu_seconds(groups), time.monotonic()
    for t in threads:
        t.start()
    time.sleep(HOP_SECONDS)
    stop.set()
    for t in threads:
        t.join(20)
    wall, cpu = time.monotonic() - t0, cpu_seconds(groups) - cpu0
    return {"hops": counter[0], "seconds": round(wall, 1), "hops/s": round(counter[0] / wall),
            "web CPU-seconds": round(cpu, 1), "hops per web CPU-second": round(counter[0] / cpu)}


def sms(c: Cluster) -> dict[str, Any]:
    engine = create_engine(normalise_url(c.env["DATABASE_URL"]))
    groups = [c.procs[f"worker-{n}"].pid for n in range(1, c.workers + 1)]
    cpu0, t0 = cpu_seconds(groups), time.monotonic()
    c.queue_sms(SMS_COUNT, "sizing")
    while True:
        with engine.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM outbound_message WHERE"
                                     " purpose = 'sizing' AND status = 'queued'")).scalar_one()
        if not left or time.monotonic() - t0 > 600:
            break
        time.sleep(0.5)
    wall, cpu = time.monotonic() - t0, cpu_seconds(groups) - cpu0
    engine.dispose()
    sent = SMS_COUNT - int(left)
    return {"SMS": sent, "workers": c.workers, "seconds": round(wall, 1),
            "SMS/s": round(sent / wall, 1), "SMS/s per worker": round(sent / wall / c.workers, 1),
            "worker CPU-seconds": round(cpu, 1), "SMS per worker CPU-second": round(sent / cpu, 1)}


def main() -> None:
    cluster = Cluster(Path(os.environ.get("CLUSTER_DIR", "/tmp/mrejesho-sizing")))
    try:
        cluster.start()
        figures = {"hops": hops(cluster), "sms": sms(cluster),
                   "load average": os.getloadavg()[0], "cores": os.cpu_count()}
        print(json.dumps(figures, indent=2), flush=True)
        Path(os.environ.get("SIZING_RESULTS", "/tmp/mrejesho-sizing.json")).write_text(
            json.dumps(figures, indent=2))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
