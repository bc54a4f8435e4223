"""A real gunicorn serving the app on the suite's own servers, whose workers a test may SIGKILL.

Ports come from ``MREJESHO_TEST_PORTS`` (``21200-21299`` unless set), each checked
free before use, so concurrent runs on one machine keep out of each other's way; started
and waited on by :mod:`bench.processes`, as the bench's servers are.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import requests

from bench.processes import Process, app_env, children, free_port, gunicorn_cmd

TOKEN = "fault-token-of-the-suite"  # infra.security: production wants 16 or more


class Gunicorn:
    """``gunicorn wsgi:app`` with ``workers`` sync workers on the given servers."""

    def __init__(self, database_url: str, redis_url: str, log: Path, workers: int = 1) -> None:
        self.port = free_port("MREJESHO_TEST_PORTS")
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process(gunicorn_cmd(self.port, workers), app_env(
            database_url, redis_url, drop=("MREJESHO_",), MREJESHO_CALLBACK_TOKEN=TOKEN), log)

    def start(self) -> None:
        self.process.start().wait_healthy(self.url)

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def kill_workers(self) -> None:
        for pid in self.worker_pids():
            os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        self.process.stop()


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
