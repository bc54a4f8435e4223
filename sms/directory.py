"""Match the institution a citizen typed before the ':' against the directory.

Names (Swahili and English), short names, aliases and codes are folded to upper
case letters and digits; an exact key wins, then the closest key by edit ratio
(rapidfuzz) above a threshold. Short keys (codes such as TRA) only match exactly
or by a fuzzy match of a typed word of five letters or more: "TRC" must not
become "TRA". Built once from the database and kept in ``app.extensions``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Institution

THRESHOLD = 85.0
MIN_FUZZY = 5
MAX_AGE = 600.0
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
# Words a citizen puts before the institution ("to TRA", "kwa TANESCO").
_FILLERS = ("KWA ", "TO ", "FOR ", "KWENYE ", "TAASISI ")


def fold(text: str) -> str:
    return " ".join(_NON_ALNUM.sub(" ", text.upper()).split())


@dataclass(frozen=True)
class Directory:
    keys: dict[str, str]          # folded key -> institution code
    fuzzy_keys: tuple[str, ...]   # keys long enough to be matched approximately

    def match(self, typed: str) -> str | None:
        """The code of the institution ``typed`` names, or None."""
        q = fold(typed)
        for filler in _FILLERS:
            if q.startswith(filler) and q[len(filler):] in self.keys:
                return self.keys[q[len(filler):]]
        if q in self.keys:
            return self.keys[q]
        if len(q) < MIN_FUZZY:
            return None
        found = process.extractOne(q, self.fuzzy_keys, scorer=fuzz.ratio,
                                   score_cutoff=THRESHOLD)
        return self.keys[found[0]] if found else None


def build_directory(institutions: Iterable[Institution]) -> Directory:
    keys: dict[str, str] = {}
    for inst in institutions:
        for raw in (inst.code, inst.name_sw, inst.name_en, inst.short_sw, inst.short_en,
                    *inst.aliases):
            key = fold(raw)
            if key:
                keys.setdefault(key, inst.code)
    return Directory(keys, tuple(k for k in keys if len(k) >= MIN_FUZZY))


def load_directory(session: Session) -> Directory:
    return build_directory(session.scalars(select(Institution).order_by(Institution.id)))


class DirectoryHolder:
    """The directory, reloaded every few minutes so an import shows without a restart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._directory: Directory | None = None
        self._loaded = 0.0

    def get(self, session: Session) -> Directory:
        if self._directory is None or time.monotonic() - self._loaded > MAX_AGE:
            with self._lock:
                self._directory = load_directory(session)
                self._loaded = time.monotonic()
        return self._directory

    def reset(self) -> None:
        self._directory = None
