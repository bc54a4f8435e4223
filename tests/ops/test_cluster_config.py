"""make cluster's configuration: HAProxy accepts it; the Procfile lines it runs exist."""

from __future__ import annotations

import glob
import shutil
import subprocess

import pytest

from ops.cluster import Cluster, procfile


def test_the_procfile_has_every_line_the_cluster_runs() -> None:
    lines = procfile()
    assert {"release", "web", "worker", "scheduler"} <= set(lines)
    assert "-c infra.rqconfig" in lines["worker"] and "-c infra.rqconfig" in lines["scheduler"]


def test_haproxy_accepts_the_generated_configuration(tmp_path) -> None:
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if haproxy is None or not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("make cluster's Debian packages are not installed here")
    conf = tmp_path / "haproxy.cfg"
    conf.write_text(Cluster(tmp_path / "cluster", webs=3).haproxy_config())
    result = subprocess.run([haproxy, "-c", "-f", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = conf.read_text()
    assert text.count(" check\n") == 3 and text.count(" backup") == 3  # checked + fail-open
    assert "option httpchk GET /readyz" in text
