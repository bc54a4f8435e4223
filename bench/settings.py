"""What a bench run uses: its own PostgreSQL database and Redis db, sizes from the environment.

The defaults keep well away from what tests and CI use (database ``test``, Redis db 0):
``BENCH_DATABASE_URL`` defaults to the database ``bench`` and ``BENCH_REDIS_URL`` to db 15,
because the bench flushes its Redis db and loads a million rows into its database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def _default_workers() -> int:
    """``WEB_CONCURRENCY`` as the Procfile reads it, else 2: one per core of this machine,
    as the Node peer runs two processes."""
    return int(os.environ.get("WEB_CONCURRENCY") or 2)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench"))
    redis_url: str = field(default_factory=lambda: os.environ.get(
        "BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    rows: int = field(default_factory=lambda: _int("BENCH_ROWS", 1_000_000))
    duration: int = field(default_factory=lambda: _int("BENCH_DURATION", 15))
    connections: int = field(default_factory=lambda: _int("BENCH_CONNECTIONS", 20))
    wrk_threads: int = field(default_factory=lambda: _int("BENCH_WRK_THREADS", 1))
    workers: int = field(default_factory=lambda: _int("BENCH_WORKERS", _default_workers()))
    server: str = field(default_factory=lambda: os.environ.get("BENCH_SERVER", "granian"))
    worker_class: str = field(default_factory=lambda: os.environ.get(
        "BENCH_WORKER_CLASS", "sync"))
    threads: int = field(default_factory=lambda: _int("BENCH_THREADS", 4))
    port: int = field(default_factory=lambda: _int("BENCH_PORT", 8477))
    sessions: int = field(default_factory=lambda: _int("BENCH_SESSIONS", 1000))
    submit_seconds: float = field(default_factory=lambda: _float("BENCH_SUBMIT_SECONDS", 10))
    sms_rounds: int = field(default_factory=lambda: _int("BENCH_SMS_ROUNDS", 0))
    profile: bool = field(default_factory=lambda: os.environ.get("BENCH_PROFILE", "1") != "0")
    only: tuple[str, ...] = field(default_factory=lambda: tuple(
        s for s in os.environ.get("BENCH_ONLY", "").split(",") if s))

    def wants(self, section: str) -> bool:
        return not self.only or section in self.only

    def server_args(self) -> list[str]:
        """The Procfile's web line (granian, or gunicorn to compare), on loopback."""
        if self.server == "gunicorn":
            args = ["-m", "gunicorn", "-w", str(self.workers), "-k", self.worker_class]
            if self.worker_class == "gthread":
                args += ["--threads", str(self.threads)]
            return args + ["--backlog", "2048", "--log-level", "warning"]
        return ["-m", "granian", "--interface", "wsgi", "--workers", str(self.workers),
                "--blocking-threads", str(self.threads), "--no-access-log",
                "--backlog", "2048", "--log-level", "warning"]

    def describe_server(self) -> str:
        if self.server == "gunicorn":
            extra = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
            return f"gunicorn -w {self.workers} -k {self.worker_class}{extra}"
        return (f"granian --interface wsgi --workers {self.workers} "
                f"--blocking-threads {self.threads}")
