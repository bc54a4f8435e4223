"""``make chaos``: steady traffic through ``make cluster``'s topology while its parts are killed.

The simulator's mix — USSD walks to a submission, tracking by USSD, inbound
SMS, and a few public Open311 reads (the replica's share) — runs at a steady
rate from a few threads through HAProxy, while the main thread, in turn, kills
the Redis primary (Sentinel promotes the replica), SIGKILLs a web host, restarts
the PostgreSQL primary, SIGKILLs an rq worker while SMS are being sent, and cuts
the replica. Each fault is healed a few seconds later, as an operator or a
supervisor would. At the end the SMS queue is drained (with the sweeper the
scheduler would run) and the database is held against what the phones saw.
Loopback only; bounded in time (``CHAOS_WINDOW`` seconds per fault).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from core.db import normalise_url
from menus.machine import apology
from menus.texts import EXPIRED
from ops.cluster import PG_PRIMARY, PG_REPLICA, Cluster, wait

RATE = float(os.environ.get("CHAOS_RATE", "8"))          # hops (and requests) per second
WINDOW = float(os.environ.get("CHAOS_WINDOW", "35"))     # seconds per fault
WARMUP = 15.0
THREADS = 8
# A complaint to the central desk ("Sijui (Dawati Kuu)"), sent anonymously. A walk whose last
# screen shows no reference is counted ("walks that missed the menu", target 0): a menu that
# moved must fail the run loudly, not leave it with nothing to account for.
SUBMIT = ["9", "2", "1", "4", "Maji hayatoki kwa wiki mbili mtaani", "1", "2", "1"]
BURST = int(os.environ.get("CHAOS_BURST", "300"))  # SMS queued just before a worker is killed
APOLOGIES = {apology(lang).body for lang in ("sw", "en")} | {
    apology(lang, EXPIRED).body for lang in ("sw", "en")}
REFERENCE = re.compile(r"\b(\d{10})\b")
PHONES = itertools.count(1)


@dataclass
class Hop:
    start: float
    end: float
    kind: str          # ussd | sms | read
    outcome: str       # ok | apology | retry | 5xx | error


def classify(resp: requests.Response) -> str:
    """ok, apology (an END sorry), retry (the app's own 503: the aggregator retries), 5xx, error.

    The balancer's 503 (no web host up) is an HTML page; the app's is one plain line.
    """
    if resp.status_code == 503 and resp.headers.get("Content-Type", "").startswith("text/plain"):
        return "retry"
    if resp.status_code >= 500:
        return "5xx"
    if resp.status_code != 200:
        return "error"
    return "apology" if resp.text in APOLOGIES else "ok"


class Load:
    """The traffic: a shared pace, the hops it made, and what each walk came to."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.hops: list[Hop] = []
        self.references: dict[str, str] = {}     # phone -> reference the phone was shown
        self.unanswered: set[str] = set()        # phones whose submit hop got no answer
        self.apologised: set[str] = set()        # phones whose submit hop was an apology
        self.strayed = 0                          # walks that ended with no reference shown
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def _pace(self) -> None:
        with self._lock:
            self._next = max(self._next + 1.0 / RATE, time.monotonic())
            delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def _post(self, http: requests.Session, path: str, data: dict[str, str],
              kind: str) -> tuple[str, str]:
        self._pace()
        start = time.monotonic()
        try:
            resp = http.post(f"{self.base}{path}?token={self.token}", data=data, timeout=15)
            body, outcome = resp.text, classify(resp)
        except requests.RequestException:
            body, outcome = "", "error"
        with self._lock:
            self.hops.append(Hop(start, time.monotonic(), kind, outcome))
        return outcome, body

    def _ussd(self, http: requests.Session, session_id: str, phone: str,
              inputs: list[str]) -> tuple[str, str]:
        return self._post(http, "/ussd/africastalking", {
            "sessionId": session_id, "serviceCode": "*152*00#", "phoneNumber": phone,
            "networkCode": "63902", "text": "*".join(inputs)}, "ussd")

    def walk(self, http: requests.Session) -> None:
        """Dial and answer every screen to the reference; stop at the first failure."""
        n = next(PHONES)
        phone, session_id = f"+255712{n:06d}", f"chaos-{n}-{random.getrandbits(32):x}"
        inputs: list[str] = []
        for step in range(len(SUBMIT) + 1):
            outcome, body = self._ussd(http, session_id, phone, inputs)
            last = step == len(SUBMIT)
            if outcome != "ok":
                if last:
                    (self.apologised if outcome == "apology" else self.unanswered).add(phone)
                return
            if last:
                found = REFERENCE.search(body)
                with self._lock:
                    if found:
                        self.references[phone] = found.group(1)
                    else:
                        self.strayed += 1
                return
            inputs.append(SUBMIT[step])

    def track(self, http: requests.Session) -> None:
        phone, ref = self._known()
        session_id = f"track-{next(PHONES)}-{random.getrandbits(32):x}"
        for inputs in ([], ["9"], ["9", "2"], ["9", "2", "6"], ["9", "2", "6", ref]):
            if self._ussd(http, session_id, phone, inputs)[0] != "ok":
                return

    def sms(self, http: requests.Session) -> None:
        phone, ref = self._known()
        self._post(http, "/sms/africastalking/inbound", {
            "from": phone, "to": "15200", "text": f"HALI {ref}", "date": "2026-01-01 00:00:00",
            "id": f"chaos-sms-{next(PHONES)}", "linkId": "", "networkCode": "63902"}, "sms")

    def read(self, http: requests.Session) -> None:
        self._pace()
        start = time.monotonic()
        try:
            outcome = classify(http.get(f"{self.base}/open311/v2/requests.json?page_size=20",
                                        timeout=15))
        except requests.RequestException:
            outcome = "error"
        with self._lock:
            self.hops.append(Hop(start, time.monotonic(), "read", outcome))

    def _known(self) -> tuple[str, str]:
        with self._lock:
            if not self.references:
                return "+255712999999", "0000000000"
            phone = random.choice(list(self.references))
            return phone, self.references[phone]

    def run(self) -> None:
        http = requests.Session()
        mix: list[tuple[Callable[[requests.Session], None], int]] = [
            (self.walk, 6), (self.track, 2), (self.sms, 1), (self.read, 1)]
        actions = [action for action, weight in mix for _ in range(weight)]
        while not self.stop.is_set():
            random.choice(actions)(http)


def faults(c: Cluster) -> list[tuple[str, Callable[[], None], Callable[[], None], float]]:
    """(name, break it, heal it, seconds until healed)."""
    killed: dict[str, int] = {}

    def kill_redis() -> None:
        killed["redis"] = c.redis_master()
        c.kill(f"redis-{killed['redis']}")

    def heal_redis() -> None:
        wait(lambda: c.redis_master() != killed["redis"], "Sentinel failover", 60)
        c.redis_start(killed["redis"], replica_of=c.redis_master())

    def kill_busy_worker() -> None:
        """SIGKILL worker-1 while it runs a job: dying mid-send.

        The load's own SMS come one every second or so and each is sent in milliseconds,
        so a burst is queued first: both workers are then busy when the kill comes.
        """
        from rq import Worker

        from infra.kv import connect

        connection, group = connect(c.env["REDIS_URL"]), c.procs["worker-1"].pid
        c.queue_sms(BURST, "chaos-burst")

        def busy() -> bool:
            return any(w.get_state() == "busy" and _pgid(w.pid) == group
                       for w in Worker.all(connection=connection))
        try:
            wait(busy, "worker-1 busy", 15)
            killed["busy"] = 1
        except RuntimeError:
            killed["busy"] = 0
        print(f"  worker-1 {'busy' if killed['busy'] else 'idle'} when killed", flush=True)
        c.kill("worker-1")

    def restart_primary() -> None:
        c.pg_stop(PG_PRIMARY, "fast")
        c.pg_start(PG_PRIMARY)

    return [
        ("kill the Redis primary", kill_redis, heal_redis, 15),
        ("SIGKILL a web host", lambda: c.kill("web-1"), lambda: c.web_start(1), 10),
        ("restart the PostgreSQL primary", restart_primary, lambda: None, 0),
        ("SIGKILL an rq worker mid-job", kill_busy_worker, lambda: c.worker_start(1), 5),
        ("cut the replica", lambda: c.pg_stop(PG_REPLICA, "immediate"),
         lambda: c.pg_start(PG_REPLICA), 15),
    ]


def outage(failed: list[Hop], start: float, gap: float = 5.0) -> float:
    """Seconds from the fault until the last failure of the first run of failures.

    A run ends where ``gap`` seconds pass with no failed hop: a stray apology half a
    minute later is not the fault's doing.
    """
    if not failed:
        return 0.0
    failed = sorted(failed, key=lambda h: h.start)
    last = failed[0].end
    for hop in failed[1:]:
        if hop.start > last + gap:
            break
        last = max(last, hop.end)
    return round(last - start, 1)


def _pgid(pid: int | None) -> int | None:
    try:
        return os.getpgid(pid) if pid else None
    except ProcessLookupError:
        return None


def window_row(name: str, hops: list[Hop], start: float) -> dict[str, Any]:
    failed = [h for h in hops if h.outcome != "ok"]
    return {"fault": name, "hops": len(hops),
            "answered": sum(h.outcome in ("ok", "apology") for h in hops),
            "apologies": sum(h.outcome == "apology" for h in hops),
            "503 retry asked": sum(h.outcome == "retry" for h in hops),
            "5xx": sum(h.outcome == "5xx" for h in hops),
            "no answer": sum(h.outcome == "error" for h in hops),
            "recovered after s": outage(failed, start)}


def drain(c: Cluster, engine: Any) -> int:
    """Let the workers finish; run the sweeper as the scheduler would; SMS still queued."""
    from rq import Queue

    from infra.kv import connect

    queue = Queue("default", connection=connect(c.env["REDIS_URL"]))
    deadline = time.monotonic() + 240
    while True:
        with engine.connect() as conn:
            queued = conn.execute(text(
                "SELECT count(*) FROM outbound_message WHERE status = 'queued'")).scalar_one()
        if not queued or time.monotonic() > deadline:
            return int(queued)
        queue.enqueue("sms.jobs.sweep_queued_messages")  # picks up SMS queued > 3 min ago
        time.sleep(15)


def account(load: Load, engine: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT f.submitter_phone, f.reference, "
            " (SELECT count(*) FROM outbound_message m WHERE m.feedback_id = f.id"
            "  AND m.purpose = 'reference') AS sms,"
            " (SELECT count(*) FROM outbound_message m WHERE m.feedback_id = f.id"
            "  AND m.purpose = 'reference' AND m.status = 'sent') AS sent"
            " FROM feedback f WHERE f.submitter_phone LIKE '+255712%'")).all()
    by_phone: dict[str, list[str]] = {}
    for phone, ref, _, _ in rows:
        by_phone.setdefault(phone, []).append(ref)
    shown = load.references
    lost = [p for p, ref in shown.items() if ref not in by_phone.get(p, [])]
    duplicated = [p for p, refs in by_phone.items() if len(refs) > 1]
    phantom = [p for p in by_phone if p not in shown and p not in load.unanswered]
    ok = [h.end - h.start for h in load.hops if h.outcome == "ok" and h.kind == "ussd"]
    q = statistics.quantiles(ok, n=100) if len(ok) > 1 else [0.0] * 99
    return {"submissions shown a reference": len(shown), "feedback rows": len(rows),
            "lost": len(lost), "duplicated": len(duplicated), "phantom": len(phantom),
            "walks that missed the menu": load.strayed,
            "apologised at the submit hop": len(load.apologised),
            "submit hop unanswered (transport)": len(load.unanswered),
            "of those, recorded": sum(p in by_phone for p in load.unanswered),
            "reference SMS per feedback": sorted({int(r[2]) for r in rows}),
            "reference SMS sent per feedback": sorted({int(r[3]) for r in rows}),
            "USSD hops": len(ok), "p50 ms": round(q[49] * 1000, 1),
            "p99 ms": round(q[98] * 1000, 1)}


def burst(engine: Any) -> dict[str, Any]:
    """The SMS queued around the worker kill: every one sent, each claimed once."""
    with engine.connect() as conn:
        sent, total, attempts = conn.execute(text(
            "SELECT count(*) FILTER (WHERE status = 'sent'), count(*),"
            " coalesce(array_agg(DISTINCT attempts), '{}') FROM outbound_message"
            " WHERE purpose = 'chaos-burst'")).one()
    return {"burst SMS sent": f"{sent} of {total}", "attempts per burst SMS": sorted(attempts)}


def table(rows: list[dict[str, Any]]) -> str:
    heads = list(rows[0])
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    lines += ["| " + " | ".join(str(r[h]) for h in heads) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    cluster = Cluster(Path(os.environ.get("CLUSTER_DIR", "/tmp/mrejesho-chaos")))
    try:
        cluster.start()
        print(cluster.where(), flush=True)
        load = Load(cluster.url, cluster.env["MREJESHO_CALLBACK_TOKEN"])
        threads = [threading.Thread(target=load.run, daemon=True) for _ in range(THREADS)]
        for t in threads:
            t.start()
        time.sleep(WARMUP)
        marks: list[tuple[str, float]] = [("(before any fault)", time.monotonic() - WARMUP)]
        for name, hurt, heal, after in faults(cluster):
            print(f"fault: {name}", flush=True)
            marks.append((name, time.monotonic()))
            hurt()
            time.sleep(after)
            heal()
            time.sleep(max(0.0, WINDOW - after))
        load.stop.set()
        for t in threads:
            t.join(30)
        end = time.monotonic()
        bounds = [m[1] for m in marks[1:]] + [end]
        rows = [window_row(name, [h for h in load.hops if start <= h.start < stop], start)
                for (name, start), stop in zip(marks, bounds, strict=True)]
        engine = create_engine(normalise_url(cluster.env["DATABASE_URL"]))
        still_queued = drain(cluster, engine)
        summary = account(load, engine) | burst(engine) | {
            "SMS still queued after the drain": still_queued}
        engine.dispose()
        print("\n" + table(rows) + "\n\n" + table([summary]), flush=True)
        out = Path(os.environ.get("CHAOS_RESULTS", "/tmp/mrejesho-chaos-results.json"))
        out.write_text(json.dumps({"faults": rows, "summary": summary, "rate": RATE,
                                   "window": WINDOW, "load average": os.getloadavg()},
                                  indent=2))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
