"""A Redis master, its replica and Sentinels on spare ports, owned by the test that starts them."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import redis
from redis.sentinel import MasterNotFoundError, Sentinel

from bench.processes import free_port

MASTER = "mymaster"


class SentinelSet:
    """``redis-server`` master + replica, and ``sentinels`` Sentinels watching them (quorum 1)."""

    def __init__(self, workdir: Path, sentinels: int = 1) -> None:
        self.dir = workdir
        self.master_port, self.replica_port = free_port(), free_port()
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        hosts = ",".join(f"127.0.0.1:{p}" for p in self.sentinel_ports)
        self.url = f"redis+sentinel://{hosts}/{MASTER}/0"

    def _server(self, port: int, *extra: str) -> None:
        cmd = [shutil.which("redis-server") or "redis-server", "--port", str(port),
               "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(self.dir), "--dbfilename", f"dump-{port}.rdb", *extra]
        self.procs[port] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
        _wait(lambda: _pings(port), "redis-server did not start")

    def start(self) -> None:
        self._server(self.master_port)
        self._server(self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port))
        _wait(lambda: _info(self.replica_port).get("master_link_status") == "up",
              "no replication")
        for port in self.sentinel_ports:
            conf = self.dir / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.dir}\n"
                f"sentinel monitor {MASTER} 127.0.0.1 {self.master_port} 1\n"
                f"sentinel down-after-milliseconds {MASTER} 500\n"
                f"sentinel failover-timeout {MASTER} 3000\n")
            self.procs[port] = subprocess.Popen(
                [shutil.which("redis-server") or "redis-server", str(conf), "--sentinel"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _wait(lambda p=port: _pings(p), "sentinel did not start")  # type: ignore[misc]
            _wait(lambda p=port: bool(redis.Redis(port=p).sentinel_slaves(MASTER)),  # type: ignore[misc]
                  "sentinel did not see the replica")

    def master_address(self) -> int:
        host, port = redis.Redis(port=self.sentinel_ports[0]).sentinel_get_master_addr_by_name(
            MASTER)
        return int(port)

    def kill_master(self) -> int:
        """SIGKILL the current master, as a host dying would; returns its port."""
        port = self.master_address()
        proc = self.procs.pop(port)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        return port

    def wait_failover(self, old_port: int, timeout: float = 20.0) -> int:
        _wait(lambda: self.master_address() != old_port, "no failover", timeout)
        new = self.master_address()
        _wait(lambda: _info(new).get("role") == "master", "the promoted replica is not master",
              timeout)
        sentinel = Sentinel([("127.0.0.1", p) for p in self.sentinel_ports])
        _wait(lambda: sentinel.discover_master(MASTER)[1] == new, "the Sentinel names no master",
              timeout)
        return new

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            proc.wait(10)
        self.procs.clear()


def _pings(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.5).ping())
    except redis.ConnectionError:
        return False


def _info(port: int) -> dict[str, object]:
    try:
        return dict(redis.Redis(port=port).info("replication"))
    except redis.ConnectionError:
        return {}


def _wait(predicate, what: str, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while True:
        try:
            if predicate():
                return
        except (redis.RedisError, MasterNotFoundError):
            pass
        if time.monotonic() > end:
            raise RuntimeError(what)
        time.sleep(0.05)
