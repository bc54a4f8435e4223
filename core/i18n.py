"""Render citizen-facing text in an explicitly given locale from the Babel catalogues.

The catalogues are read from ``locales/<lang>/LC_MESSAGES/messages.po`` and
compiled in memory on first use, so a fresh clone needs no ``pybabel compile``
step and can never run with stale ``.mo`` files; ``pybabel extract/update/compile``
still work unchanged on ``locales/`` (see ``babel.cfg``).

Use: ``t = translator("sw"); t._("Ref %(ref)s", ref=ref)``. msgids are English
literals with named placeholders so extraction finds them.
"""

from __future__ import annotations

import io
from functools import cache, lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LOCALES = ("sw", "en")
DEFAULT_LOCALE = "sw"


def normalise_locale(locale: str | None) -> str:
    """``sw`` unless ``locale`` names English."""
    return "en" if (locale or "").lower().startswith("en") else DEFAULT_LOCALE


@cache
def load_translations(locale: str) -> Translations:
    """The compiled catalogue of ``locale`` (``sw`` or ``en``)."""
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


class Translator:
    """Gettext bound to one locale; ``_`` is the extraction keyword."""

    __slots__ = ("locale", "_gettext", "_ngettext")

    def __init__(self, locale: str) -> None:
        self.locale = normalise_locale(locale)
        translations = load_translations(self.locale)
        self._gettext = translations.gettext
        self._ngettext = translations.ngettext

    def _(self, msgid: str, **params: object) -> str:
        text = self._gettext(msgid)
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self._ngettext(singular, plural, n)
        return text % dict(params, num=n)


@lru_cache(maxsize=8)
def translator(locale: str | None) -> Translator:
    return Translator(normalise_locale(locale))


def N_(msgid: str) -> str:
    """Mark a msgid for extraction where it is defined, translate it where it is shown."""
    return msgid
