"""An immutable snapshot of the institution directory, shaped for menus.

USSD menus list institutions by group and find them by typed letters on every
hop; reading the table each time would put a query on every navigation hop.
The channel loads one :class:`Directory` from the database, keeps it in memory
and hands it to the pure menu machine, which never queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
REGION_PREFIXES = ("Mkoa wa ", "Sekretarieti ya Mkoa wa ")


@dataclass(frozen=True)
class Entry:
    """One institution as a menu shows it: a short GSM-7 label and its full names."""

    code: str
    kind: str
    label: str
    name_sw: str
    name_en: str
    region: str | None
    keys: tuple[str, ...] = ()

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_sw


@dataclass(frozen=True)
class Directory:
    entries: dict[str, Entry]
    groups: dict[str, tuple[str, ...]]
    regions: tuple[tuple[str, str], ...]        # (region code, label), by label
    councils: dict[str, tuple[str, ...]]         # region code -> council codes
    triage: str | None = None
    _search_index: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def get(self, code: str) -> Entry | None:
        return self.entries.get(code)

    def label(self, code: str) -> str:
        entry = self.entries.get(code)
        return entry.label if entry else code

    def region_label(self, region: str) -> str:
        return dict(self.regions).get(region, region)

    def search(self, letters: str) -> tuple[str, ...]:
        """Codes whose name, a short name or a word of one starts with ``letters``."""
        q = " ".join(letters.lower().split())
        if not q:
            return ()
        exact = [code for key, code in self._search_index if key == q]
        rest = [code for key, code in self._search_index if key.startswith(q)]
        found = list(dict.fromkeys(exact + sorted(rest, key=lambda c: self.entries[c].label)))
        return tuple(found[:MAX_RESULTS])


def shorten(text: str, limit: int = LABEL_MAX) -> str:
    clean = to_gsm7(" ".join(text.split()))
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "."


def _label(inst: Institution) -> str:
    candidates = [a for a in inst.aliases if len(a) <= LABEL_MAX] or inst.aliases
    return shorten(candidates[0] if candidates else inst.name_sw)


def _keys(inst: Institution) -> tuple[str, ...]:
    keys: list[str] = []
    for text in [inst.name_sw, inst.name_en, *inst.aliases]:
        low = " ".join(text.lower().split())
        keys.append(low)
        keys.extend(w.strip(",.()") for w in low.split() if len(w.strip(",.()")) >= 3)
    return tuple(dict.fromkeys(keys))


def _region_label(inst: Institution) -> str:
    label = _label(inst)
    for prefix in REGION_PREFIXES:
        if label.startswith(prefix):
            return label[len(prefix):]
    return label


def build_directory(institutions: list[Institution]) -> Directory:
    entries = {i.code: Entry(code=i.code, kind=i.kind, label=_label(i), name_sw=i.name_sw,
                             name_en=i.name_en, region=i.region_code, keys=_keys(i))
               for i in institutions}
    by_label = sorted(entries.values(), key=lambda e: e.label.lower())
    groups = {g: tuple(e.code for e in by_label if e.kind in kinds)
              for g, kinds in GROUP_KINDS.items()}
    regions = tuple(sorted(((i.code, _region_label(i)) for i in institutions
                            if i.kind == "regional_secretariat"), key=lambda r: r[1]))
    councils = {code: tuple(e.code for e in by_label if e.kind == "lga" and e.region == code)
                for code, _ in regions}
    triage = next((e.code for e in by_label if e.kind == "triage"), None)
    index = tuple((key, e.code) for e in by_label for key in e.keys)
    return Directory(entries=entries, groups=groups, regions=regions, councils=councils,
                     triage=triage, _search_index=index)


def load_directory(session: Session) -> Directory:
    """Read the whole directory once (a few hundred rows) into a snapshot."""
    return build_directory(list(session.scalars(select(Institution).order_by(Institution.code))))
