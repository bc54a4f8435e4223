"""The Node peer: Express + ``ussd-builder`` with sessions in Redis, the stack a team would
pick instead. Its script lives in the team's shared folder and is never copied here; its
npm packages are installed (once) in a temporary directory outside the repository.

``BENCH_NODE_PEER`` names the script (default: ``shared/peers/node_ussd_builder.js`` in a
folder above the checkout); ``BENCH_NODE_MODULES`` a ``node_modules`` that already holds
``express@4 ussd-builder@1.3.2 redis@4``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.loadgen import running
from bench.settings import ROOT, Settings

SCRIPT = Path("shared/peers/node_ussd_builder.js")
PACKAGES = ["express@4", "ussd-builder@1.3.2", "redis@4"]


def script() -> Path | None:
    named = os.environ.get("BENCH_NODE_PEER")
    if named:
        return Path(named) if Path(named).is_file() else None
    return next((p / SCRIPT for p in ROOT.parents if (p / SCRIPT).is_file()), None)


def missing() -> str | None:
    """Why the peer cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if script() is None:
        return f"no {SCRIPT} above the checkout (set BENCH_NODE_PEER)"
    if shutil.which("npm") is None and not os.environ.get("BENCH_NODE_MODULES"):
        return "npm is not installed (or set BENCH_NODE_MODULES)"
    return None


def node_modules() -> Path:
    named = os.environ.get("BENCH_NODE_MODULES")
    if named:
        return Path(named)
    home = Path(tempfile.gettempdir()) / "mrejesho-bench-node-peer"
    modules = home / "node_modules"
    if not all((modules / p.rpartition("@")[0]).is_dir() for p in PACKAGES):
        home.mkdir(exist_ok=True)
        if not (home / "package.json").exists():
            subprocess.run(["npm", "init", "-y"], cwd=home, check=True, capture_output=True)
        subprocess.run(["npm", "install", "-s", *PACKAGES], cwd=home, check=True,
                       capture_output=True, timeout=300)
    return modules


def command() -> str:
    """The exact commands, for the report."""
    return (f"d=$(mktemp -d) && (cd $d && npm init -y && npm install -s {' '.join(PACKAGES)}); "
            f"NODE_PATH=$d/node_modules REDIS_URL=… PORT=… WORKERS=2 node {script()}")


@contextmanager
def serve(settings: Settings, env: dict[str, str]) -> Iterator[str]:
    """The peer on the bench's port, on the bench's Redis, with the bench's worker count."""
    found = script()
    assert found is not None
    base = f"http://127.0.0.1:{settings.port}"
    env = dict(env, NODE_PATH=str(node_modules()), REDIS_URL=settings.redis_url,
               PORT=str(settings.port), WORKERS=str(settings.workers))
    with running(["node", str(found)], env, base + "/", cwd=found.parent, any_status=True):
        yield base
