"""Figures, their targets, the printed table and ``bench/results.json``."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured figure; ``target`` is compared with ``op`` ('>=' or '<=')."""

    section: str
    name: str
    value: float | None
    unit: str
    target: float | None = None
    op: str = ">="
    note: str = ""
    status: str = ""  # ok / MISS / info / pending / error

    def __post_init__(self) -> None:
        if self.status:
            return
        if self.value is None:
            self.status = "pending"
        elif self.target is None:
            self.status = "info"
        elif self.op == ">=":
            self.status = "ok" if self.value >= self.target else "MISS"
        else:
            self.status = "ok" if self.value <= self.target else "MISS"


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, *figures: Figure) -> None:
        self.figures.extend(figures)

    def pending(self, section: str, name: str, unit: str, why: str,
                target: float | None = None, op: str = ">=") -> None:
        self.add(Figure(section, name, None, unit, target, op, why, "pending"))

    def error(self, section: str, exc: BaseException) -> None:
        self.add(Figure(section, f"{section} failed", None, "", None, ">=",
                        f"{type(exc).__name__}: {exc}"[:300], "error"))


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(report: Report) -> str:
    rows = [("section", "figure", "value", "unit", "target", "status")]
    for f in report.figures:
        target = f"{f.op} {_fmt(f.target)}" if f.target is not None else ""
        rows.append((f.section, f.name, _fmt(f.value), f.unit, target, f.status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.rjust(w) if i in (2, 4) else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  [{f.section}/{f.name}] {f.note}" for f in report.figures if f.note]
    return "\n".join(lines + (["", "notes:"] + notes if notes else []))


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}",
            "memory_gib": _memory_gib(), "commit": _commit(),
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]}


def _memory_gib() -> float | None:
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(kb / 1024 / 1024, 1)


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except OSError:
        return ""
    return out.stdout.strip()


def write_json(report: Report, path: Path, settings: dict[str, Any]) -> None:
    doc = {"ran_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
           "settings": settings, "figures": [asdict(f) for f in report.figures],
           "details": report.details}
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n")
