"""The transfer picker: find an institution by a few letters of any of its names.

Works without JavaScript: the officer types into a GET search and the page
comes back with the matching institutions only, grouped by kind, sorted by
their name in the officer's language, as radio buttons inside the transfer
form. With JavaScript (``admin.js``) the same list filters as they type, on the
``data-names`` each entry carries; the list scrolls in its own box, so 317
institutions never push the page wider at 1366 px or at 360 px.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import N_
from core.models import Institution

KIND_ORDER = ("ministry", "regional_secretariat", "lga", "agency", "department", "triage")
KIND_LABELS = {
    "ministry": N_("Ministries"), "regional_secretariat": N_("Regional secretariats"),
    "lga": N_("Local government authorities"), "agency": N_("Agencies"),
    "department": N_("Departments"), "triage": N_("Central desk"),
}


@dataclass(frozen=True)
class Choice:
    code: str
    name: str
    short: str
    names: str  # every name and short name, folded, for matching


@dataclass(frozen=True)
class Group:
    kind: str
    choices: list[Choice]


def fold(text: str) -> str:
    """Lower case without accents or punctuation, so "dar es-salaam" finds "Dar es Salaam"."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c if c.isalnum() else " " for c in plain
                            if not unicodedata.combining(c)).split())


def _choice(inst: Institution, locale: str) -> Choice:
    every = [inst.code, inst.name_sw, inst.name_en, *inst.aliases]
    return Choice(inst.code, inst.name(locale), ", ".join(inst.aliases[:2]),
                  " | ".join(fold(n) for n in every))


def matches(choice: Choice, query: str) -> bool:
    """Every word of ``query`` appears in one name, short name or the code (folded)."""
    words = fold(query).split()
    return all(any(w in name for name in choice.names.split(" | ")) for w in words)


def groups(session: Session, locale: str, query: str = "",
           exclude_id: int | None = None) -> list[Group]:
    """The institutions matching ``query`` (all of them for none), grouped by kind."""
    found: dict[str, list[Choice]] = {}
    for inst in session.scalars(select(Institution)):
        if inst.id == exclude_id:
            continue
        choice = _choice(inst, locale)
        if matches(choice, query):
            found.setdefault(inst.kind, []).append(choice)
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    return [Group(kind, sorted(items, key=lambda c: fold(c.name)))
            for kind, items in sorted(found.items(), key=lambda kv: order.get(kv[0], 99))]
