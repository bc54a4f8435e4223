"""Each package imports alone, in a fresh interpreter, and loads no package above it.

ruff's TID251 bans (each package's ``ruff.toml``) hold the source; this holds what
actually runs: every module of a package is imported with nothing else loaded
first, so a circle or an upward import at import time fails here, and a package
that works only after another has been imported fails too. The layers are drawn in
``docs/architecture.md``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("core", "menus", "sessions", "infra", "ussd", "sms", "admin", "open311", "web")
CHANNEL = {"core", "menus", "sessions", "infra"}
MAY_LOAD = {
    "core": {"core"},
    "menus": {"core", "menus"},
    "sessions": {"core", "menus", "sessions"},
    "infra": {"core", "infra"},
    "ussd": CHANNEL | {"ussd"},
    "sms": CHANNEL | {"sms"},
    "admin": CHANNEL | {"admin"},
    "open311": CHANNEL | {"open311"},
    "web": set(OURS),
}

PROBE = """
import json, pkgutil, importlib, sys
package = importlib.import_module(sys.argv[1])
for mod in pkgutil.walk_packages(package.__path__, sys.argv[1] + "."):
    importlib.import_module(mod.name)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


@pytest.mark.parametrize("package", OURS)
def test_a_package_imports_alone_and_loads_nothing_above_it(package: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, package], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = set(json.loads(done.stdout.splitlines()[-1])) & (set(OURS) | {"bench", "ops"})
    assert loaded <= MAY_LOAD[package], sorted(loaded - MAY_LOAD[package])
