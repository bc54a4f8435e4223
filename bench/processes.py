"""Starting a server or a worker of our own and waiting until it answers: one way, for the
bench and the tests alike (gunicorn, rq workers, redis-server, a PostgreSQL cluster).

A child runs in a session of its own (so a test may SIGKILL it, and its rq work-horse,
without touching the runner), writes to a log file (whose tail explains a start that
failed), and is ready when ``/healthz`` answers 200. Ports come from a range named by an
environment variable and are checked free first, so concurrent runs on one machine keep
out of each other's way. A redis-server or PostgreSQL cluster made here is ours to stop,
so nothing shared is ever stopped.
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
from collections.abc import Callable
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
PORTS = "21200-21299"
_HANDED_OUT: set[int] = set()


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(range_variable: str | None = None) -> int:
    """A free port: any the kernel gives, or one of the range ``range_variable`` names
    (``21200-21299`` when unset) not yet handed to another server of this process."""
    if range_variable is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    low, _, high = os.environ.get(range_variable, PORTS).partition("-")
    ports = [p for p in range(int(low), int(high) + 1) if p not in _HANDED_OUT]
    random.shuffle(ports)
    for port in ports:
        if _bindable(port):
            _HANDED_OUT.add(port)
            return port
    raise RuntimeError(f"no free port in {range_variable}")


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (rq's work-horse is forked and calls setsid)."""
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


def app_env(database_url: str, redis_url: str, drop: tuple[str, ...] = ("MREJESHO_", "BENCH_"),
            **extra: str) -> dict[str, str]:
    """This process's environment without our settings (``drop``), on the given servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url,
               SECRET_KEY=secrets.token_hex(24), **extra)
    return env


def gunicorn_cmd(port: int, workers: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
            f"127.0.0.1:{port}", "--graceful-timeout", "2", *options, "wsgi:app"]


def worker_cmd(redis_url: str, queue: str = "default", worker_class: str = "web.worker.AppWorker",
               burst: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "rq.cli", "worker", "-w", worker_class, "--url", redis_url,
           queue]
    return [*cmd, "--burst"] if burst else cmd


class Process:
    """One child of ours: started in its own session, logged to ``log``, stopped with its group."""

    def __init__(self, cmd: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> None:
        self.cmd, self.env, self.log, self.cwd = cmd, env, log, cwd
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def start(self) -> Process:
        with open(self.log, "ab") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def poll(self) -> int | None:
        """The exit status, or None while it runs (or before it started)."""
        return None if self.proc is None else self.proc.poll()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def wait_until(self, ready: Callable[[], bool], timeout: float = 60) -> Process:
        """Return once ``ready()``; raise with the log's tail if the child dies or is late."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"{self.cmd[:4]} exited: {self.tail()}")
            if ready():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.cmd[:4]} not ready in {timeout:.0f}s: {self.tail()}")

    def wait_healthy(self, base: str, timeout: float = 60) -> Process:
        """Ready when ``base/healthz`` answers 200, as a load balancer would ask."""
        return self.wait_until(lambda: _healthy(base), timeout)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def kill_tree(self) -> None:
        """SIGKILL the child and its children (rq's work-horse is in a group of its own)."""
        if self.proc is None:
            return
        for pid in [*children(self.proc.pid), self.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM the child's group, SIGKILL it if it lingers."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            self.proc.wait(5)
        self.proc = None


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


class RedisServer:
    """A redis-server of our own on ``port``; ``options`` such as the AOF production needs."""

    def __init__(self, workdir: Path, port: int | None = None,
                 options: tuple[str, ...] = ("--appendonly", "no")) -> None:
        self.port, self.dir = port or free_port(), workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.cmd = [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
                    "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir), *options]
        self.proc: Process | None = None

    def start(self) -> None:
        client = redis.Redis(port=self.port)
        self.proc = Process(self.cmd, dict(os.environ), self.dir / "redis.log").start()
        self.proc.wait_until(lambda: _pings(client), timeout=20)

    def stop(self) -> None:
        """SIGTERM, as an operator stops it."""
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def kill(self) -> None:
        """SIGKILL, as a crash would: what the AOF had not written is gone."""
        if self.proc is not None:
            self.proc.kill_tree()
            self.proc = None


def _pings(client: redis.Redis[bytes]) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def pg_bin() -> Path | None:
    """Debian's PostgreSQL server binaries, the newest version installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class PostgresServer:
    """A throw-away cluster in a temporary directory; as root, every pg_ctl runs as postgres."""

    def __init__(self, port: int | None = None, max_connections: int = 100) -> None:
        bindir = pg_bin()
        if bindir is None:
            raise LookupError("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
        self.bin, self.port, self.max_connections = bindir, port or free_port(), max_connections
        self.root = Path(tempfile.mkdtemp(prefix="mrejesho-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def run(self, *args: str) -> None:
        """One of the cluster's binaries (initdb, pg_ctl, pg_basebackup), as its owner."""
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=self.root)

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-l",
                 str(self.root / "log"), "-o",
                 f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                 f"-c max_connections={self.max_connections}", "start")

    def stop(self) -> None:
        """As a crash would: ``-m immediate``, no checkpoint."""
        self.run("pg_ctl", "-D", str(self.data), "-w", "-m", "immediate", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
