"""The Procfile's web server serving an app on loopback, and wrk driving USSD sessions at it."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.settings import ROOT, Settings

LUA = Path(__file__).resolve().parent / "ussd.lua"
SERVICE_CODE = "*152*00#"


@contextmanager
def serve(settings: Settings, target: str, env: dict[str, str]) -> Iterator[str]:
    """Serve ``target`` the way production does; yields the base URL."""
    base = f"http://127.0.0.1:{settings.port}"
    if settings.server == "gunicorn":
        bind = ["-b", f"127.0.0.1:{settings.port}"]
    else:
        bind = ["--host", "127.0.0.1", "--port", str(settings.port)]
    cmd = [sys.executable, *settings.server_args(), *bind, target]
    with running(cmd, env, base + "/healthz", cwd=ROOT):
        yield base


@contextmanager
def running(cmd: list[str], env: dict[str, str], ready_url: str,
            cwd: Path = ROOT, any_status: bool = False) -> Iterator[None]:
    """A server process for the length of the block: waited for, then stopped with its group."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, start_new_session=True)
    try:
        _wait_ready(ready_url, proc, any_status=any_status)
        yield
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 30,
                any_status: bool = False) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[1:3]} exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError:
            if any_status:  # a server without a health page: any answer means it listens
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def post_hop(base: str, session_id: str, phone: str, text: str,
             path: str = "/ussd/africastalking") -> tuple[int, str]:
    body = urllib.parse.urlencode({"sessionId": session_id, "serviceCode": SERVICE_CODE,
                                   "phoneNumber": phone, "networkCode": "63902",
                                   "text": text}).encode()
    req = urllib.request.Request(base + path, data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def walk(base: str, hops: list[str], session_id: str, phone: str = "+255712000001") -> list[str]:
    """Post one session's hops in order; each must be a 200 ``CON`` screen."""
    screens = []
    for text in hops:
        status, body = post_hop(base, session_id, phone, text)
        if status != 200 or not body.startswith(("CON ", "END ")):
            raise RuntimeError(f"hop {text!r} answered {status}: {body[:120]!r}")
        screens.append(body)
    return screens


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed (make bench installs Debian's wrk)")
    return found


def run_wrk(settings: Settings, base: str, hops: list[str], seconds: int,
            connections: int | None = None, fresh: bool = False,
            slots: int | None = None) -> dict[str, Any]:
    """One wrk run; returns its JSON summary with req/s and latencies in ms.

    ``fresh``: every request opens a new session with the next of ``hops`` as its text.
    ``slots``: sessions each wrk thread keeps walking (a session's next hop is sent that
    many requests after its last); by default enough that no hop meets its previous one.
    """
    conns = connections or settings.connections
    env = dict(os.environ, BENCH_HOPS="\n".join(hops), BENCH_FRESH="1" if fresh else "0",
               BENCH_SLOTS=str(slots or max(4000, 200 * conns)), BENCH_RUN=secrets.token_hex(4))
    cmd = [wrk_binary(), "-t", str(settings.wrk_threads), "-c", str(conns),
           "-d", f"{seconds}s", "--timeout", "5s", "-s", str(LUA), base]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                         timeout=seconds + 60, check=False)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {out.stdout[-400:]} {out.stderr[-400:]}")
    raw = json.loads(line.split(" ", 1)[1])
    seconds_run = raw["duration_us"] / 1e6
    return {"rps": raw["requests"] / seconds_run, "requests": raw["requests"],
            "p50_ms": raw["p50_us"] / 1e3, "p90_ms": raw["p90_us"] / 1e3,
            "p99_ms": raw["p99_us"] / 1e3, "max_ms": raw["max_us"] / 1e3,
            "errors": {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")},
            "connections": conns, "seconds": round(seconds_run, 2)}
