"""The single-host fault run: USSD submissions under load while web workers, Redis and the
rq worker are killed; prints what was lost, duplicated and phantom (all must be 0).

``BENCH_ONLY=faults make bench`` (a section of the bench) or ``make chaos-local``
(``python -m bench.faults``, this section alone). It starts its own redis-server (AOF,
``appendfsync everysec``, as production needs for the queue), its own PostgreSQL cluster,
gunicorn and one rq worker (``web.worker.AppWorker``), on ports 21200-21299. Citizens walk
a whole complaint concurrently, each from a number of its own with a text of its own; an
aggregator retries a hop that got no answer, and a citizen told it failed redials and
continues the kept draft. Meanwhile the faults: a gunicorn worker SIGKILLed, Redis
SIGKILLed and restarted, the rq worker (and its work-horse) SIGKILLed and restarted.

Counted against the database at the end, per citizen: *lost* (told a reference that is
not stored), *duplicated* (more than one feedback from one draft), *phantom* (stored, but
the citizen was never told its reference); and per feedback, its reference SMS: exactly
one row, sent, one ``sms_sent`` event. Bounded: ``BENCH_FAULTS_SECONDS`` (40) of load, then
at most 50 s to send what is queued.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, select

from bench import processes as srv
from bench.report import Figure, Report
from bench.settings import Settings

SECTION = "faults"
REFERENCE = re.compile(r"\b(\d{10})\b")
# From e-Mrejesho's menu: Lalamiko, Wizara, the first letter range, its first ministry,
# the text (None), on to "who is sending", with my number, skip the name; then the send.
WALK = ["1", "1", "1", "1", None, "1", "1", "1"]
SEND = "1"
PORTS = "BENCH_FAULTS_PORTS"  # 21200-21299 unless set
HOP_PATIENCE = 8.0              # seconds an aggregator retries a hop that got no answer
CITIZEN_PATIENCE = 45.0         # seconds a citizen keeps redialling
TOKEN = secrets.token_hex(16)   # the callback token production requires of the aggregator


@dataclass
class Citizen:
    number: str
    text: str
    told: str = ""               # the reference a screen showed
    dials: int = 0
    dropped: int = 0             # hops that got no answer (killed worker, refused)
    status_5xx: int = 0


@dataclass
class Tally:
    citizens: list[Citizen] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Cluster:
    """The servers of one run, and the faults done to them."""

    def __init__(self, root: Path, web_workers: int, rq_workers: int) -> None:
        self.root, self.web_workers, self.rq_workers = root, web_workers, rq_workers
        (root / "redis").mkdir()
        self.redis = srv.RedisServer(root / "redis", srv.free_port(PORTS), options=(
            "--appendonly", "yes", "--appendfsync", "everysec"))
        self.pg = srv.PostgresServer(srv.free_port(PORTS), max_connections=200)
        self.web_port = srv.free_port(PORTS)
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.web: srv.Process | None = None
        self.workers: list[srv.Process] = []
        self.env: dict[str, str] = {}

    def start(self) -> Any:
        self.redis.start()
        self.pg.init()
        self.pg.start()
        # A short heartbeat, so that the sweeper may tell a killed worker's job in seconds.
        self.env = srv.app_env(self.pg.url, self.redis.url, MREJESHO_WORKER_HEARTBEAT="2",
                               MREJESHO_SUBMISSIONS_PER_HOUR="1000",
                               MREJESHO_CALLBACK_TOKEN=TOKEN)
        app = _app(self.pg.url, self.redis.url)
        self.web = srv.Process(srv.gunicorn_cmd(self.web_port, self.web_workers, "--log-level",
                                                "warning"), self.env, self.root / "gunicorn.log")
        self.web.start()
        self.workers = [self.spawn_worker(n) for n in range(self.rq_workers)]
        self.web.wait_healthy(self.base)
        return app

    def spawn_worker(self, n: int) -> srv.Process:
        return srv.Process(srv.worker_cmd(self.redis.url), self.env,
                           self.root / f"worker-{n}.log").start()

    def revive_workers(self) -> None:
        for n, proc in enumerate(self.workers):
            if not proc.running():
                self.workers[n] = self.spawn_worker(n)

    def kill_web_worker(self) -> None:
        assert self.web is not None
        pids = srv.children(self.web.pid)
        if pids:
            os.kill(random.choice(pids), 9)

    def kill_redis(self, down: float) -> None:
        self.redis.kill()
        time.sleep(down)
        self.redis.start()

    def kill_worker(self, down: float) -> None:
        n = random.randrange(len(self.workers))
        self.workers[n].kill_tree()
        time.sleep(down)
        self.workers[n] = self.spawn_worker(n)

    def stop(self) -> None:
        for proc in (self.web, *self.workers):
            if proc is not None and proc.running():
                proc.kill_tree()
        self.redis.kill()
        try:
            self.pg.stop()
        finally:
            self.pg.remove()


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-2000:]
    except OSError:
        return ""


def _app(database_url: str, redis_url: str) -> Any:
    """The app in this process: migrate, load the directory; later, sweep and count."""
    from core.institutions import SHIPPED_CSV, import_file
    from infra.migrate import upgrade
    from web import create_app

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                      "SECRET_KEY": "bench-faults", "WORKER_HEARTBEAT": 2,
                      "CALLBACK_TOKEN": TOKEN})
    upgrade(database_url)
    with app.extensions["db"].sessionmaker() as session:
        import_file(session, SHIPPED_CSV)
        session.commit()
    return app


def _hop(base: str, citizen: Citizen, session_id: str, text: str) -> str | None:
    """One hop as the aggregator sends it, retried while no answer comes (for about 8 s of
    the 10-15 s it gives a hop); None if none did."""
    deadline = time.monotonic() + HOP_PATIENCE
    while True:
        try:
            resp = requests.post(base + f"/ussd/africastalking?token={TOKEN}", timeout=10, data={
                "sessionId": session_id, "serviceCode": "*152*00#",
                "phoneNumber": citizen.number, "networkCode": "63902", "text": text})
        except requests.RequestException:
            citizen.dropped += 1
        else:
            if resp.status_code == 200:
                return resp.text
            citizen.status_5xx += resp.status_code >= 500
        if time.monotonic() > deadline:
            return None
        time.sleep(0.3)


def _con(body: str | None) -> bool:
    return body is not None and body.startswith("CON ")


def _dial(base: str, citizen: Citizen, resume: bool) -> tuple[str, bool]:
    """One session: a fresh walk, or the kept draft continued. Returns (outcome, at_send)."""
    citizen.dials += 1
    session_id, inputs = f"faults-{uuid.uuid4().hex[:16]}", []

    def step(value: str) -> str | None:
        inputs.append(value)
        return _hop(base, citizen, session_id, "*".join(inputs))

    body = _hop(base, citizen, session_id, "")
    for value in ("9", "2"):
        if not _con(body):
            return "failed", False
        body = step(value)
    if not _con(body):
        return "failed", False
    assert body is not None
    offered = "rasimu" in body.lower() or "draft" in body.lower()
    if resume and not offered:
        return "no draft", False
    if offered:
        body = step("1" if resume else "2")          # continue it, or begin afresh
    if not resume:
        for value in WALK:
            if not _con(body):
                return "failed", False
            body = step(citizen.text if value is None else value)
    if not _con(body):
        return "failed", False
    body = step(SEND)
    found = REFERENCE.search(body or "")
    if body is not None and body.startswith("END ") and found:
        citizen.told = found.group(1)
        return "told", True
    return "failed", True


def _citizen(base: str, citizen: Citizen) -> None:
    """Walk, and redial until told a reference: continue the draft if the send was reached."""
    deadline = time.monotonic() + CITIZEN_PATIENCE
    resume = False
    while time.monotonic() < deadline:
        outcome, at_send = _dial(base, citizen, resume)
        if outcome == "told":
            return
        resume = at_send or (resume and outcome != "no draft")
        time.sleep(0.3)


def _drive(cluster: Cluster, tally: Tally, seconds: float, concurrency: int) -> None:
    end = time.monotonic() + seconds
    counter = iter(range(10**6))

    def loop() -> None:
        while time.monotonic() < end:
            with tally.lock:
                n = next(counter)
                citizen = Citizen(number=f"+25571{n:07d}",
                                  text=f"Fault run raia {n} maji hayatoki mtaani wiki mbili")
                tally.citizens.append(citizen)
            _citizen(cluster.base, citizen)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    _inject(cluster, tally, end)
    for t in threads:
        t.join(CITIZEN_PATIENCE + 30)


def _inject(cluster: Cluster, tally: Tally, end: float) -> None:
    """A fault every couple of seconds until the load ends: web worker, Redis, rq worker."""
    rng = random.Random(14)
    time.sleep(3)
    while time.monotonic() < end - 3:
        fault = rng.choice(("web worker", "web worker", "redis", "rq worker"))
        if fault == "web worker":
            cluster.kill_web_worker()
        elif fault == "redis":
            cluster.kill_redis(rng.uniform(0.5, 2.0))
        else:
            cluster.kill_worker(rng.uniform(0.2, 1.5))
        tally.faults[fault] += 1
        time.sleep(rng.uniform(1.5, 3.5))


def _drain(app: Any, cluster: Cluster, timeout: float = 50) -> None:
    """Let the worker send every reference SMS; the sweeper revives what the faults left."""
    from core.models import OutboundMessage
    from sms.jobs import sweep_queued_messages

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cluster.revive_workers()
        with app.app_context():
            sweep_queued_messages(older_than=timedelta(seconds=5))
        with app.extensions["db"].sessionmaker() as s:
            queued = s.scalar(select(func.count()).select_from(OutboundMessage)
                              .where(OutboundMessage.status == "queued"))
        if not queued:
            return
        time.sleep(2)


def _count(app: Any, tally: Tally) -> dict[str, int]:
    from core.models import Event, Feedback, OutboundMessage

    with app.extensions["db"].sessionmaker() as s:
        stored: dict[str, list[str]] = {}
        for description, reference in s.execute(select(Feedback.description,
                                                       Feedback.reference)):
            stored.setdefault(description, []).append(reference)
        per_feedback = dict(s.execute(
            select(OutboundMessage.feedback_id, func.count())
            .where(OutboundMessage.purpose == "reference")
            .group_by(OutboundMessage.feedback_id)).all())
        unsent = s.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.purpose == "reference", OutboundMessage.status != "sent")) or 0
        sent_events = Counter(m for (m,) in s.execute(
            select(Event.data["message_id"].as_integer()).where(Event.kind == "sms_sent")))
        feedback_ids = list(s.scalars(select(Feedback.id)))
    counts = Counter[str]()
    for c in tally.citizens:
        refs = stored.get(c.text, [])
        counts["duplicated"] += len(refs) > 1
        counts["lost"] += bool(c.told) and c.told not in refs
        counts["phantom"] += bool(refs) and not c.told
        counts["told"] += bool(c.told)
        counts["gave up, nothing stored"] += not refs and not c.told
        counts["dials"] += c.dials
        counts["dropped hops"] += c.dropped
        counts["5xx"] += c.status_5xx
    counts["feedback"] = len(feedback_ids)
    counts["reference SMS not exactly one"] = sum(per_feedback.get(i, 0) != 1
                                                  for i in feedback_ids)
    counts["reference SMS unsent"] = unsent
    counts["SMS sent twice"] = sum(n > 1 for n in sent_events.values())
    return dict(counts)


def run(settings: Settings | None, rep: Report) -> None:
    seconds = float(os.environ.get("BENCH_FAULTS_SECONDS", 40))
    concurrency = int(os.environ.get("BENCH_FAULTS_CONCURRENCY", 6))
    web_workers = int(os.environ.get("BENCH_FAULTS_WEB_WORKERS", 3))
    rq_workers = int(os.environ.get("BENCH_FAULTS_RQ_WORKERS", 2))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mrejesho-faults-") as tmp:
        cluster = Cluster(Path(tmp), web_workers, rq_workers)
        try:
            app = cluster.start()
            tally = Tally()
            _drive(cluster, tally, seconds, concurrency)
            _drain(app, cluster)
            counts = _count(app, tally)
            app.extensions["db"].engine.dispose()
            if counts.get("reference SMS unsent"):
                print("faults: an rq worker's log ends:\n" + _tail(cluster.root / "worker-0.log"))
        finally:
            cluster.stop()
    total = time.monotonic() - started
    zero = ("lost", "duplicated", "phantom", "reference SMS not exactly one",
            "reference SMS unsent", "SMS sent twice", "5xx")
    rep.add(Figure(SECTION, "citizens", len(tally.citizens), "citizens"),
            # A walk that no longer matches the menu tells no one and loses nothing: this
            # figure makes such a run fail instead of passing on nothing.
            Figure(SECTION, "told their reference", counts.get("told", 0), "citizens",
                   max(1.0, 0.9 * len(tally.citizens)), ">="),
            *(Figure(SECTION, f"faults: {k} killed", v, "times")
              for k, v in sorted(tally.faults.items())),
            *(Figure(SECTION, name, counts.get(name, 0), "", 0, "<=") for name in zero),
            *(Figure(SECTION, name, counts.get(name, 0), "") for name in
              ("feedback", "gave up, nothing stored", "dials", "dropped hops")),
            Figure(SECTION, "run", round(total, 1), "s", 120, "<="))
    rep.details["faults"] = {"counts": counts, "faults": dict(tally.faults),
                             "seconds": round(total, 1), "concurrency": concurrency,
                             "web_workers": web_workers, "rq_workers": rq_workers}


def main() -> int:
    from bench.report import table

    rep = Report()
    run(None, rep)
    print(table(rep))
    return 0 if all(f.status in ("ok", "info") for f in rep.figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
