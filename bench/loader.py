"""A million feedback rows and their Events into PostgreSQL with ``COPY``, in a minute or so.

Rows are made up but shaped like a national deployment: institutions by a Zipf-like
weight (a few ministries get most), two years of dates, the statuses an aged inbox
has, and for every row a ``created`` Event plus a ``status_changed`` one when it
moved on. The feedback tally's triggers fire on ``COPY`` too; the load ends with
the squash the scheduler would run. A rerun tops the table up to ``BENCH_ROWS``
rather than loading again.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy.engine import make_url

from core.db import make_engine
from core.references import damm_digit
from core.tally import squash

KINDS = ("complaint", "suggestion", "inquiry", "compliment", "opinion")
KIND_W = (45, 15, 25, 5, 10)
CHANNELS = ("ussd", "sms", "web", "walk-in")
CHANNEL_W = (60, 30, 5, 5)
STATUSES = ("received", "in_progress", "answered", "appealed", "closed", "rejected")
STATUS_W = (15, 15, 20, 3, 45, 2)
FEEDBACK_COLS = ("id", "reference", "kind", "channel", "institution_id", "description",
                 "anonymous", "submitter_phone", "language", "status", "sensitive",
                 "created_at", "updated_at", "due_at", "escalated")
EVENT_COLS = ("feedback_id", "kind", "at", "actor", "data")
CHUNK = 50_000
WORDS = ("maji", "barabara", "hospitali", "shule", "umeme", "ushuru", "kodi", "leseni",
         "cheti", "ardhi", "polisi", "mahakama", "soko", "ada", "dawa", "huduma")


def conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def reference(i: int) -> str:
    """Distinct for distinct i: 7919 is prime to 9e8, so i -> body is one-to-one."""
    body = str(100_000_000 + (i * 7919 + 12345) % 900_000_000)
    return body + str(damm_digit(body))


def _lines(start: int, count: int, insts: list[int], weights: list[float],
           rng: random.Random, now: datetime,
           skip: frozenset[int] = frozenset()) -> tuple[str, str]:
    """COPY lines of feedback ``start``… and their events, but none for an id in ``skip``."""
    fb, ev = [], []
    inst_ids = rng.choices(insts, weights, k=count)
    kinds = rng.choices(KINDS, KIND_W, k=count)
    channels = rng.choices(CHANNELS, CHANNEL_W, k=count)
    statuses = rng.choices(STATUSES, STATUS_W, k=count)
    for n in range(count):
        i = start + n
        created = now - timedelta(seconds=rng.randrange(730 * 86400))
        stamp = created.isoformat()
        due = (created + timedelta(days=9)).isoformat()
        if i in skip:
            continue
        status, kind = statuses[n], kinds[n]
        phone = f"+25571{i % 10_000_000:07d}"
        text = f"{WORDS[i % 16]} {WORDS[(i // 16) % 16]} tatizo la {kind} namba {i}"
        fb.append(f"{i}\t{reference(i)}\t{kind}\t{channels[n]}\t{inst_ids[n]}\t{text}\t"
                  f"{'t' if i % 7 == 0 else 'f'}\t{phone}\tsw\t{status}\tf\t{stamp}\t"
                  f"{stamp}\t{due}\tf\n")
        ev.append(f"{i}\tcreated\t{stamp}\tsystem\t{{\"channel\": \"{channels[n]}\"}}\n")
        if status != "received":
            ev.append(f"{i}\tstatus_changed\t{stamp}\tsystem\t{{\"to\": \"{status}\"}}\n")
    return "".join(fb), "".join(ev)


def load(url: str, rows: int, progress: bool = True) -> dict[str, float]:
    """Top the feedback table up to ``rows``; returns counts and seconds."""
    t0 = time.monotonic()
    with psycopg.connect(conninfo(url)) as conn:
        have = conn.execute("SELECT count(*) FROM feedback").fetchone()[0]  # type: ignore[index]
        todo = rows - have
        if todo <= 0:
            return {"loaded": 0, "rows": have, "seconds": 0.0}
        start = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM feedback").fetchone()[0]  # type: ignore[index]
        insts = [r[0] for r in conn.execute("SELECT id FROM institution ORDER BY id")]
        weights = [1.0 / (k + 1) ** 0.8 for k in range(len(insts))]
        rng, now = random.Random(start), datetime.now(UTC)
        skipped = 0
        with conn.cursor() as cur:
            for offset in range(0, todo, CHUNK):
                n = min(CHUNK, todo - offset)
                # A reference a submission already drew (the sections that submit may
                # have run before this one filled the table) is left out, not collided with.
                refs = {reference(i): i for i in range(start + offset, start + offset + n)}
                taken = frozenset(refs[r] for (r,) in cur.execute(
                    "SELECT reference FROM feedback WHERE reference = ANY(%s)", [list(refs)]))
                skipped += len(taken)
                fb, ev = _lines(start + offset, n, insts, weights, rng, now, taken)
                with cur.copy(f"COPY feedback ({', '.join(FEEDBACK_COLS)}) FROM STDIN") as cp:
                    cp.write(fb)
                with cur.copy(f"COPY event ({', '.join(EVENT_COLS)}) FROM STDIN") as cp:
                    cp.write(ev)
                if progress and (offset // CHUNK) % 4 == 3:
                    print(f"  loaded {offset + n:,} rows ({time.monotonic() - t0:.0f}s)",
                          flush=True)
            cur.execute("SELECT setval(pg_get_serial_sequence('feedback', 'id'), "
                        "(SELECT max(id) FROM feedback))")
        conn.commit()
    squash_started = time.monotonic()
    engine = make_engine(url)
    squash(engine)  # the triggers appended 3 tally rows a feedback; the minute's job folds them
    engine.dispose()
    squashed = time.monotonic() - squash_started
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE feedback")
        conn.execute("VACUUM ANALYZE event")
        # Squashing a load's millions of appended rows at once leaves them dead in the
        # table; a squash a minute never does (autovacuum reuses its few), so compact.
        conn.execute("VACUUM FULL ANALYZE feedback_tally")
    return {"loaded": todo - skipped, "rows": rows - skipped, "skipped": skipped,
            "seconds": round(time.monotonic() - t0, 1),
            "squash_seconds": round(squashed, 1)}
