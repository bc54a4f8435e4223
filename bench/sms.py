"""SMS keyword parser throughput: messages per second over the test corpus, on one core.

The parser is a pure function, so this process alone times it: the corpus is
parsed whole in rounds, long enough for a steady figure, and the best round counts
(the machine's noise only ever slows a round down).
"""

from __future__ import annotations

import csv
import importlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import Figure, Report
from bench.settings import ROOT, Settings

SECTION = "sms"
TARGET = 20_000.0
MODULES = ("sms.parser", "sms.parse", "sms.keywords", "sms.commands")
CORPUS_DIR = ROOT / "tests" / "sms"


def find_parser() -> tuple[str, Callable[[str], Any]] | None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        fn = getattr(module, "parse", None)
        if callable(fn):
            return name, fn
    return None


def _texts_from(path: Path) -> list[str]:
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        doc = json.loads(raw)
        items = doc if isinstance(doc, list) else list(doc.values())
        return [i if isinstance(i, str) else str(i.get("text", i.get("message", "")))
                for i in items]
    if path.suffix in (".csv", ".tsv"):
        rows = csv.DictReader(raw.splitlines(), delimiter="\t" if path.suffix == ".tsv" else ",")
        return [r.get("text") or r.get("message") or next(iter(r.values())) for r in rows]
    return [ln for ln in raw.splitlines() if ln.strip() and not ln.startswith("#")]


def corpus() -> list[str]:
    texts: list[str] = []
    for path in sorted(CORPUS_DIR.glob("*")):
        if path.suffix in (".txt", ".json", ".csv", ".tsv") and "corpus" in path.name:
            texts.extend(_texts_from(path))
    return texts


def rate(parse: Callable[[str], Any], texts: list[str], min_seconds: float = 1.0) -> float:
    """Best messages/s of several rounds over the corpus."""
    rounds, best = 0, 0.0
    deadline = time.perf_counter() + 3 * min_seconds
    while rounds < 5 or time.perf_counter() < deadline:
        reps = max(1, int(20_000 / max(len(texts), 1)))
        t0 = time.perf_counter()
        for _ in range(reps):
            for t in texts:
                parse(t)
        best = max(best, reps * len(texts) / (time.perf_counter() - t0))
        rounds += 1
        if rounds > 50:
            break
    return best


def run(settings: Settings, report: Report) -> None:
    found = find_parser()
    texts = corpus()
    if found is None or not texts:
        why = "sms parser has not landed" if found is None else f"no corpus in {CORPUS_DIR}"
        report.pending(SECTION, "parser messages/s", "msg/s", why, TARGET)
        return
    name, parse = found
    for t in texts:
        parse(t)  # warm caches (compiled patterns, fuzzy tables) before timing
    per_sec = rate(parse, texts)
    report.details["sms"] = {"module": name, "corpus_messages": len(texts), "rate": per_sec}
    report.add(Figure(SECTION, "parser messages/s (1 core)", per_sec, "msg/s", TARGET, ">=",
                      note=f"{name}.parse over {len(texts)} corpus messages"))
