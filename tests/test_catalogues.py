"""Every string the code marks for translation is in both catalogues, with its placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.gsm import is_gsm7

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")



def extracted() -> set[str]:
    found: set[str] = set()
    for package in ("core", "menus", "sms", "ussd", "sessions", "web", "admin"):
        for _, _, message, _, _ in extract_from_dir(
                str(ROOT / package), method_map=[("**.py", "python"),
                                                 ("**/templates/**.html", "jinja2")],
                keywords={"_": None, "N_": None, "gettext": None}):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(locale: str) -> dict[str, str]:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        cat = read_po(fh)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str)}


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_every_marked_string_is_translated(locale: str) -> None:
    cat = catalogue(locale)
    missing = sorted(m for m in extracted() if not cat.get(m))
    assert not missing, f"{locale} lacks: {missing}"


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_translations_keep_placeholders_and_gsm7(locale: str) -> None:
    for msgid, msgstr in catalogue(locale).items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid
        assert is_gsm7(msgstr), f"non-GSM-7 characters in {msgstr!r}"
