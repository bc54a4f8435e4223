"""A real gunicorn serving the app on the suite's own servers, whose workers a test may SIGKILL.

Ports come from ``MREJESHO_TEST_PORTS`` (``21200-21299`` unless set), each checked
free before use, so concurrent runs on one machine keep out of each other's way.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fault-token-of-the-suite"  # infra.security: production wants 16 or more


def port_in_range() -> int:
    low, _, high = os.environ.get("MREJESHO_TEST_PORTS", "21200-21299").partition("-")
    ports = list(range(int(low), int(high) + 1))
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in MREJESHO_TEST_PORTS")


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``."""
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


class Gunicorn:
    """``gunicorn wsgi:app`` with ``workers`` sync workers on the given servers."""

    def __init__(self, database_url: str, redis_url: str, log: Path, workers: int = 1) -> None:
        self.port, self.log, self.workers = port_in_range(), log, workers
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("MREJESHO_")}
        self.env.update(DATABASE_URL=database_url, REDIS_URL=redis_url,
                        SECRET_KEY=secrets.token_hex(24), MREJESHO_CALLBACK_TOKEN=TOKEN)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
                 "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.log.read_text()[-2000:])

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        return children(self.proc.pid)

    def kill_workers(self) -> None:
        for pid in self.worker_pids():
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            self.proc = None


class HttpClient:
    """What :class:`tests.reliability.phone.Phone` needs of a client, over real HTTP."""

    class Answer:
        def __init__(self, resp: requests.Response) -> None:
            self.status_code, self.data = resp.status_code, resp.content

        def get_data(self, as_text: bool = False) -> Any:
            return self.data.decode() if as_text else self.data

    def __init__(self, base: str) -> None:
        self.base = base

    def post(self, path: str, data: dict[str, str]) -> HttpClient.Answer:
        return self.Answer(requests.post(self.base + path, data=data, timeout=30))
