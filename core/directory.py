"""An immutable snapshot of the institution directory, for both channels.

USSD menus list institutions by group and find them by typed letters on every
hop, and an SMS names its institution before the ':'; reading the table each
time would put a query on every navigation hop. One :class:`Directory` is
loaded from the database (:func:`load_directory`), kept in memory by
``infra.directory`` and handed to the pure menu machine and the SMS handler,
neither of which queries.

SMS matching: names (Swahili and English), short names, aliases and codes are
folded to upper case letters and digits; an exact key wins, then the closest key
by edit ratio (rapidfuzz) above a threshold. Short keys (codes such as TRA) only
match exactly or by a fuzzy match of a typed word of five letters or more: "TRC"
must not become "TRA".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.gsm import to_gsm7
from core.models import Institution

# The groups a citizen picks from, in menu order; departments sit with agencies.
GROUP_KINDS: dict[str, tuple[str, ...]] = {
    "ministry": ("ministry",),
    "regional_secretariat": ("regional_secretariat",),
    "agency": ("agency", "department"),
}
LABEL_MAX = 24
MAX_RESULTS = 60
# What a list's title already says, left off its items (issue 21: the place first).
LIST_PREFIXES: dict[str, tuple[str, ...]] = {
    "ministry": ("Wizara ya ", "Ministry of "),
    "regional_secretariat": ("Mkoa wa ", "Sekretarieti ya Mkoa wa "),
}
LIST_SUFFIXES: dict[str, tuple[str, ...]] = {"regional_secretariat": (" Region",)}
# SMS matching: the edit ratio a typed name must reach, and the shortest key matched fuzzily.
THRESHOLD = 85.0
MIN_FUZZY = 5
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
# Words a citizen puts before the institution ("to TRA", "kwa TANESCO").
_FILLERS = ("KWA ", "TO ", "FOR ", "KWENYE ", "TAASISI ")


def fold(text: str) -> str:
    """Upper-case letters and digits, single-spaced: the form SMS match keys are kept in."""
    return " ".join(_NON_ALNUM.sub(" ", text.upper()).split())


@dataclass(frozen=True)
class Entry:
    """One institution as a menu shows it: short names per language and its full names."""

    code: str
    kind: str
    short_sw: str
    short_en: str
    name_sw: str
    name_en: str
    region: str | None
    keys: tuple[str, ...] = ()

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_sw

    def short(self, locale: str) -> str:
        return self.short_en if locale == "en" else self.short_sw

    def list_label(self, locale: str) -> str:
        """The name in a list whose title already says the kind: "Maji", not "Wizara ya Maji"."""
        text = self.short(locale)
        for prefix in LIST_PREFIXES.get(self.kind, ()):
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix):]
        for suffix in LIST_SUFFIXES.get(self.kind, ()):
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[:-len(suffix)]
        return shorten(text)

    def label(self, locale: str) -> str:
        """The name a screen shows on its own, within LABEL_MAX: whole if it fits."""
        text = to_gsm7(" ".join(self.short(locale).split()))
        return text if len(text) <= LABEL_MAX else self.list_label(locale)


@dataclass(frozen=True)
class Directory:
    entries: dict[str, Entry]
    groups: dict[str, tuple[str, ...]]          # "<locale>:<group>" -> codes, by list label
    regions: tuple[tuple[str, str], ...]        # (region code, place name), by place name
    councils: dict[str, tuple[str, ...]]         # region code -> its secretariat, then offices
    triage: str | None = None
    _search_index: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    _match_keys: dict[str, str] = field(default_factory=dict, repr=False)  # folded -> code
    _fuzzy_keys: tuple[str, ...] = field(default=(), repr=False)  # keys matched approximately

    def get(self, code: str) -> Entry | None:
        return self.entries.get(code)

    def label(self, code: str, locale: str = "sw") -> str:
        entry = self.entries.get(code)
        return entry.label(locale) if entry else code

    def list_label(self, code: str, locale: str = "sw") -> str:
        entry = self.entries.get(code)
        return entry.list_label(locale) if entry else code

    def group(self, locale: str, name: str) -> tuple[str, ...]:
        return self.groups.get(f"{'en' if locale == 'en' else 'sw'}:{name}", ())

    def region_label(self, region: str) -> str:
        return dict(self.regions).get(region, region)

    def search(self, letters: str, locale: str = "sw") -> tuple[str, ...]:
        """Codes whose name, a short name or a word of one starts with ``letters``."""
        q = " ".join(letters.lower().split())
        if not q:
            return ()
        exact = [code for key, code in self._search_index if key == q]
        rest = [code for key, code in self._search_index if key.startswith(q)]
        by_label = sorted(rest, key=lambda c: self.entries[c].list_label(locale).lower())
        found = list(dict.fromkeys(exact + by_label))
        return tuple(found[:MAX_RESULTS])

    def match(self, typed: str) -> str | None:
        """The code of the institution an SMS names with ``typed``, or None."""
        q = fold(typed)
        for filler in _FILLERS:
            if q.startswith(filler) and q[len(filler):] in self._match_keys:
                return self._match_keys[q[len(filler):]]
        if q in self._match_keys:
            return self._match_keys[q]
        if len(q) < MIN_FUZZY:
            return None
        found = process.extractOne(q, self._fuzzy_keys, scorer=fuzz.ratio,
                                   score_cutoff=THRESHOLD)
        return self._match_keys[found[0]] if found else None


def shorten(text: str, limit: int = LABEL_MAX) -> str:
    clean = to_gsm7(" ".join(text.split()))
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "."


def _short(inst: Institution, locale: str) -> str:
    return " ".join(inst.short_name(locale).split())


def _keys(inst: Institution) -> tuple[str, ...]:
    keys: list[str] = []
    for text in [inst.name_sw, inst.name_en, _short(inst, "sw"), _short(inst, "en"),
                 *inst.aliases]:
        low = " ".join(text.lower().split())
        keys.append(low)
        keys.extend(w.strip(",.()") for w in low.split() if len(w.strip(",.()")) >= 3)
    return tuple(dict.fromkeys(keys))


def _match_keys(institutions: Iterable[Institution]) -> dict[str, str]:
    """Folded code, names, short names and aliases -> code; the first institution made wins."""
    keys: dict[str, str] = {}
    for inst in sorted(institutions, key=lambda i: i.id or 0):
        for raw in (inst.code, inst.name_sw, inst.name_en, inst.short_sw, inst.short_en,
                    *inst.aliases):
            key = fold(raw)
            if key:
                keys.setdefault(key, inst.code)
    return keys


def _entry(inst: Institution) -> Entry:
    return Entry(code=inst.code, kind=inst.kind, short_sw=_short(inst, "sw"),
                 short_en=_short(inst, "en"), name_sw=inst.name_sw, name_en=inst.name_en,
                 region=inst.region_code, keys=_keys(inst))


def _place(entry: Entry) -> str:
    """A region's place name, the same in both languages: "Mkoa wa Tanga" -> "Tanga"."""
    return entry.list_label("sw")


def build_directory(institutions: list[Institution]) -> Directory:
    entries = {i.code: _entry(i) for i in institutions}
    groups: dict[str, tuple[str, ...]] = {}
    for locale in ("sw", "en"):
        by_label = sorted(entries.values(), key=lambda e: e.list_label(locale).lower())
        for g, kinds in GROUP_KINDS.items():
            groups[f"{locale}:{g}"] = tuple(e.code for e in by_label if e.kind in kinds)
    secretariats = [e for e in entries.values() if e.kind == "regional_secretariat"]
    regions = tuple(sorted(((e.code, _place(e)) for e in secretariats), key=lambda r: r[1]))
    by_place = sorted(entries.values(), key=lambda e: e.list_label("sw").lower())
    # A region's list: its secretariat, its councils, then every other office of the
    # region (the district commissioners', whatever regional kind a later directory adds),
    # so each stays reachable and the councils a citizen looks for come first.
    councils = {code: (code, *(e.code for e in sorted(
        (e for e in by_place if e.region == code and e.kind != "regional_secretariat"),
        key=lambda e: e.kind != "lga"))) for code, _ in regions}
    triage = next((e.code for e in by_place if e.kind == "triage"), None)
    index = tuple((key, e.code) for e in by_place for key in e.keys)
    match_keys = _match_keys(institutions)
    return Directory(entries=entries, groups=groups, regions=regions, councils=councils,
                     triage=triage, _search_index=index, _match_keys=match_keys,
                     _fuzzy_keys=tuple(k for k in match_keys if len(k) >= MIN_FUZZY))


def load_directory(session: Session) -> Directory:
    """Read the whole directory once (a few hundred rows) into a snapshot."""
    return build_directory(list(session.scalars(select(Institution).order_by(Institution.code))))
