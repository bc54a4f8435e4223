"""SMS keyword parser throughput: messages per second over the test corpus, on one core.

The parser is a pure function, so this process alone times it: the corpus is
parsed whole in rounds, long enough for a steady figure, and the best round counts
(the machine's noise only ever slows a round down).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sms.bench as parser_bench
from bench.report import Figure, Report
from bench.settings import Settings
from sms.parser import parse

SECTION = "sms"
TARGET = 20_000.0


def corpus() -> list[str]:
    """The SMS suite's corpus (tests/sms/corpus.json), as the parser's own bench reads it."""
    return parser_bench.corpus()


def rate(parse: Callable[[str], Any], texts: list[str]) -> float:
    """Best messages/s of several rounds over ``texts``: the parser's own bench loop."""
    return parser_bench.rate(texts, parse)


def run(settings: Settings, report: Report) -> None:
    texts = corpus()
    for t in texts:
        parse(t)  # warm caches (compiled patterns, fuzzy tables) before timing
    per_sec = rate(parse, texts)
    report.details["sms"] = {"module": "sms.parser", "corpus_messages": len(texts),
                             "rate": per_sec}
    report.add(Figure(SECTION, "parser messages/s (1 core)", per_sec, "msg/s", TARGET, ">=",
                      note=f"sms.parser.parse over {len(texts)} corpus messages"))
