"""Parser throughput over the test corpus: ``python -m sms.bench`` (one core, one process).

The parser is pure, so timing it alone is the whole story; the best of several
rounds counts, since the machine's noise only ever slows a round down.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from sms.parser import Command, parse

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "sms" / "corpus.json"


def corpus(path: Path = CORPUS) -> list[str]:
    return [str(item["text"]) for item in json.loads(path.read_text(encoding="utf-8"))]


def rate(texts: list[str], fn: Callable[[str], Command] = parse, rounds: int = 7,
         per_round: int = 50_000) -> float:
    """Best messages per second over ``rounds`` rounds of about ``per_round`` messages."""
    reps = max(1, per_round // max(len(texts), 1))
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps):
            for text in texts:
                fn(text)
        best = max(best, reps * len(texts) / (time.perf_counter() - t0))
    return best


def main() -> None:
    texts = corpus()
    print(f"sms.parser.parse: {rate(texts):,.0f} messages/s over {len(texts)} corpus messages")


if __name__ == "__main__":
    main()
