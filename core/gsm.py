"""GSM 03.38: which text a feature phone shows as sent, and how many SMS it costs.

USSD screens and SMS must be GSM-7 only: a single character outside it turns
an SMS into UCS-2 (70 characters a segment) and shows as a box on old phones.
"""

from __future__ import annotations

BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
# Each costs two septets (an escape and the character).
EXTENSION = frozenset("^{}\\[~]|€\f")
_ALL = BASIC | EXTENSION
SINGLE = 160
CONCATENATED = 153
UCS2_SINGLE = 70
UCS2_CONCATENATED = 67

FOLD_TABLE = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
              "\u00a0": " ", "\t": " "}
_ASCII_FOLD = str.maketrans(FOLD_TABLE)


def is_gsm7(text: str) -> bool:
    return _ALL.issuperset(text)


def septets(text: str) -> int:
    return sum(2 if ch in EXTENSION else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS ``text`` costs as GSM-7."""
    n = septets(text)
    return 1 if n <= SINGLE else -(-n // CONCATENATED)


def to_gsm7(text: str) -> str:
    """Fold typographic characters to GSM-7 and replace anything else with '?'."""
    folded = text.translate(_ASCII_FOLD)
    if _ALL.issuperset(folded):  # the usual case, checked in C: every USSD screen comes here
        return folded
    return "".join(ch if ch in BASIC or ch in EXTENSION else "?" for ch in folded)


def fold(text: str) -> str:
    """Typographic quotes, dashes and spaces as their GSM-7 look-alikes; nothing else changes."""
    return text.translate(_ASCII_FOLD)


def cost(text: str) -> tuple[str, int]:
    """``("GSM-7" | "UCS-2", segments)`` for sending ``text`` unchanged as one long SMS.

    One character outside GSM-7 makes the whole message UCS-2, counted in UTF-16
    code units (an emoji takes two), 70 alone or 67 a part of a concatenated one.
    """
    if is_gsm7(text):
        return "GSM-7", segments(text)
    units = len(text.encode("utf-16-le")) // 2
    return "UCS-2", 1 if units <= UCS2_SINGLE else -(-units // UCS2_CONCATENATED)
