"""make cluster's configuration: HAProxy accepts it; the Procfile lines it runs exist; the
README describes the same Procfile and ports."""

from __future__ import annotations

import glob
import re
import shutil
import subprocess

import pytest

from ops import cluster as topo
from ops.cluster import ROOT, Cluster, procfile


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


def _readme_section(title: str) -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split(f"\n### {title}\n", 1)[1].split("\n### ", 1)[0]


def test_the_readme_shows_the_procfile_the_cluster_runs() -> None:
    """The Production section quotes the Procfile verbatim and names its programs."""
    readme = (ROOT / "README.md").read_text()
    production = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    assert "```\n" + (ROOT / "Procfile").read_text().strip() + "\n```" in production
    lines = procfile()
    assert lines["web"].split()[0] in production.split("```")[1]  # the topology's first block
    worker_class = lines["worker"].split("-w ", 1)[1].split()[0]
    assert f"-w {worker_class}" in production


def test_the_readme_lists_the_ports_make_cluster_uses() -> None:
    section = _readme_section("The whole topology on one machine: `make cluster`")
    first, second = (topo.REDIS_PORTS[0], topo.REDIS_PORTS[1])
    expected = [f"| {topo.HAPROXY} (stats {topo.STATS}) |", f"| {topo.PG_PRIMARY} |",
                f"| {topo.PG_REPLICA} |", f"| {first}, {second} |",
                f"| {topo.WEB_BASE + 1}, {topo.WEB_BASE + 2} |",  # two web hosts, as it runs
                f"| {topo.SENTINELS[0]}–{topo.SENTINELS[-1]} |"]
    assert [row for row in expected if row not in section] == []
    assert re.search(r"^cluster:.*\n\t\$\(PY\) -m ops\.cluster$",
                     (ROOT / "Makefile").read_text(), re.M)
