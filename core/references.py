"""Reference numbers: nine random digits and a Damm check digit.

Random, so a reference cannot be guessed by counting; ten digits, so it is typed
on a keypad; Damm, because it catches every single-digit error and every
adjacent transposition, so a mistyped number is refused before any lookup.
Uniqueness is the database's unique index; :func:`core.services.submit` draws
again on a collision.
"""

from __future__ import annotations

import secrets

from core.errors import InvalidReference

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

LENGTH = 10


def damm_digit(digits: str) -> int:
    """The Damm interim digit of ``digits``; 0 means the string checks."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


def new_reference() -> str:
    """A fresh random reference: first digit 1-9 (no leading zero to lose), ten digits."""
    body = str(secrets.randbelow(9 * 10 ** (LENGTH - 2)) + 10 ** (LENGTH - 2))
    return body + str(damm_digit(body))


def parse_reference(raw: str) -> str:
    """Return the reference in ``raw`` (spaces and dashes allowed) or raise."""
    cleaned = "".join(ch for ch in raw if ch not in " -.")
    if len(cleaned) != LENGTH or not cleaned.isascii() or not cleaned.isdigit():
        raise InvalidReference(f"a reference number has {LENGTH} digits")
    if damm_digit(cleaned) != 0:
        raise InvalidReference("the reference number's check digit does not match")
    return cleaned
