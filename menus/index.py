"""Letter ranges over a long list, so no institution lies more than a few screens deep.

A list of 78 agencies paged nine to a screen puts the last one ten screens from
the dial-through (issue 21). Cut instead into runs of first letters ("A-D",
"N", "TA-TAN"), each short enough for ``max_pages`` pages, one screen of ranges
and then at most ``max_pages`` of names reach any item. Runs follow the first
letters where they can, so a citizen who knows the name's first letter knows
where it is; a letter too crowded for one run is split on its second letter,
then its third.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

MAX_DEPTH = 4


@dataclass(frozen=True)
class Run:
    """Items ``start:stop`` of the list, shown under ``label``."""

    label: str
    start: int
    stop: int


Fits = Callable[[int, int], bool]


def runs(keys: tuple[str, ...], fits: Fits) -> tuple[Run, ...]:
    """Consecutive runs of ``keys`` (sorted) such that ``fits(start, stop)`` holds for each."""
    spans = _spans(keys, 0, len(keys), 1, fits)
    out: list[tuple[int, int]] = []
    for start, stop in spans:  # merge neighbours while the merged run still fits
        if out and fits(out[-1][0], stop):
            out[-1] = (out[-1][0], stop)
        else:
            out.append((start, stop))
    return tuple(Run(_label(keys, a, b), a, b) for a, b in out)


def _spans(keys: tuple[str, ...], start: int, stop: int, depth: int,
           fits: Fits) -> list[tuple[int, int]]:
    """Split ``start:stop`` on prefixes of ``depth`` letters; deeper where one is too long."""
    spans: list[tuple[int, int]] = []
    i = start
    while i < stop:
        j = i + 1
        while j < stop and _prefix(keys[j], depth) == _prefix(keys[i], depth):
            j += 1
        if fits(i, j) or j - i == 1:
            spans.append((i, j))
        elif depth < MAX_DEPTH:
            spans.extend(_spans(keys, i, j, depth + 1, fits))
        else:
            spans.extend(_chunks(i, j, fits))
        i = j
    return spans


def _chunks(start: int, stop: int, fits: Fits) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    while start < stop:
        end = start + 1
        while end < stop and fits(start, end + 1):
            end += 1
        out.append((start, end))
        start = end
    return out


def _prefix(key: str, depth: int) -> str:
    return key[:depth].upper()


def _label(keys: tuple[str, ...], start: int, stop: int) -> str:
    """"A-D", or "TA-TAN" where a run starts or ends inside a letter."""
    before = keys[start - 1] if start > 0 else ""
    after = keys[stop] if stop < len(keys) else ""
    first = _distinct(keys[start], before)
    last = _distinct(keys[stop - 1], after)
    if last[:1] == first[:1] and len(last) < len(first):  # "TAN-TAZ", never "TAN-TA"
        last = keys[stop - 1][:len(first)].upper()
    return first if first == last else f"{first}-{last}"


def _distinct(key: str, neighbour: str) -> str:
    """The shortest prefix of ``key`` that its neighbour across the boundary does not share."""
    n = 1
    while n < len(key) and neighbour[:n].upper() == key[:n].upper():
        n += 1
    return key[:n].upper()


__all__ = ["Run", "runs"]
