"""The fault run's own servers on one host: redis-server, a PostgreSQL cluster, gunicorn, rq.

All on ports from ``BENCH_FAULTS_PORTS`` (``21200-21299``), each checked free first; the
PostgreSQL cluster is made with ``initdb`` in a temporary directory (as the ``postgres``
user when run as root), so nothing shared is ever stopped.
"""

from __future__ import annotations

import glob
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from bench.settings import ROOT

_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port of the range that is free now and not yet given to another server of the run."""
    low, _, high = os.environ.get("BENCH_FAULTS_PORTS", "21200-21299").partition("-")
    ports = [p for p in range(int(low), int(high) + 1) if p not in _HANDED_OUT]
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError("no free port in BENCH_FAULTS_PORTS")


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return found


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process and its children (rq's work-horse is in a group of its own)."""
    for pid in [*children(proc.pid), proc.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)


class Redis:
    """redis-server with the persistence production needs for the queue: AOF, fsync every second."""

    def __init__(self, root: Path) -> None:
        self.port, self.dir = free_port(), root / "redis"
        self.dir.mkdir()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
             "--appendfsync", "everysec", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


class Postgres:
    def __init__(self, root: Path) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
        self.bin, self.port = Path(found[-1]).parent, free_port()
        self.root = Path(tempfile.mkdtemp(prefix="mrejesho-faults-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=self.root)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-l",
                  str(self.root / "log"), "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off -c max_connections=200", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def app_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MREJESHO_", "BENCH_"))}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url,
               SECRET_KEY=secrets.token_hex(24), **extra)
    return env


def spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def gunicorn_cmd(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
            f"127.0.0.1:{port}", "--graceful-timeout", "2", "--log-level", "warning",
            "wsgi:app"]


def worker_cmd(redis_url: str) -> list[str]:
    return [sys.executable, "-m", "rq.cli", "worker", "-w", "web.worker.AppWorker",
            "--url", redis_url, "default"]
