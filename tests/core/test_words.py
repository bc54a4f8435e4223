from __future__ import annotations

import unicodedata

import pytest

from core.rights import clean_words


def _by_the_letter(text: str) -> str:
    """The rule itself, a character at a time: controls become spaces, spacing is evened."""
    kept = "".join(" " if unicodedata.category(ch) == "Cc" and not ch.isspace() else ch
                   for ch in text)
    return " ".join(kept.split())


@pytest.mark.parametrize("text", [
    "Maji hayatoki kwa wiki mbili", "  maji\thayatoki\n\nkabisa  ", "maji\x00hayatoki",
    "a\x08b\x7fc", "bei\u00a0juu", "zero\u200bwidth", "line\u2028sep", "emoji 😀 sawa",
    "ñandú über", "", "\x00", "\u3000wide space\u3000"])
def test_clean_words_keeps_every_printable_character_and_drops_controls(text: str) -> None:
    assert clean_words(text) == _by_the_letter(text)
    assert "\x00" not in clean_words(text)
