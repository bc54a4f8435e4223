"""Rendering: a state becomes the text of one screen, within 160 GSM-7 characters.

Lists are cut into pages by length, not by count, with room kept for a one-line
reason, so no institution name or language can push a screen over the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.directory import shorten
from core.gsm import to_gsm7
from core.i18n import translator
from menus.texts import KINDS, MAX_REASON

SCREEN_MAX = 160
PREFIX = 4  # "CON " / "END "
BODY_MAX = SCREEN_MAX - PREFIX
MORE, BACK, HOME = "98", "0", "00"
MIN_TEXT = 3
MAX_DESCRIPTION = 300   # over USSD: two screens or more, and the session stays under 1 KB


@dataclass(frozen=True)
class Screen:
    """What a hop answers: ``CON``/``END`` text, or an effect the channel must run first."""

    text: str
    end: bool = False
    effect: tuple[str, ...] = ()

    @property
    def body(self) -> str:
        return ("END " if self.end else "CON ") + self.text


def kind_name(lang: str, kind: str) -> str:
    return translator(lang)._(KINDS.get(kind, kind))


def compose(lang: str, reason: str, body: str) -> str:
    """The reason line (if any) above the body; the body is never cut for the reason.

    Screens keep room for a reason; one that cannot (a page of an answer) drops it.
    """
    text = f"{translator(lang)._(reason)}\n{body}" if reason else body
    if reason and len(to_gsm7(text)) > BODY_MAX:
        text = body
    return to_gsm7(text)[:BODY_MAX]


def footer(lang: str, more: bool) -> str:
    t = translator(lang)
    lines = ([f"{MORE} " + t._("More")] if more else []) + [f"{BACK} " + t._("Back")]
    return "\n".join(lines)


@lru_cache(maxsize=4096)
def pages(lang: str, title: str, labels: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """``(start, stop)`` slices of ``labels`` so each page fits with a reason line."""
    budget = BODY_MAX - MAX_REASON - 1
    out: list[tuple[int, int]] = []
    start = 0
    while start < len(labels) or not out:
        size, stop = len(title), start
        while stop < len(labels):
            line = len(f"\n{stop - start + 1} {labels[stop]}")
            more = stop + 1 < len(labels)
            if size + line + len("\n" + footer(lang, more)) > budget and stop > start:
                break
            size += line
            stop += 1
        out.append((start, stop))
        start = stop
    return tuple(out)


def list_body(lang: str, title: str, labels: tuple[str, ...], page: int) -> str:
    cut = pages(lang, title, labels)
    start, stop = cut[min(page, len(cut) - 1)]
    lines = [title] + [f"{n} {label}" for n, label in enumerate(labels[start:stop], 1)]
    lines.append(footer(lang, page + 1 < len(cut)))
    return "\n".join(lines)


def pick(lang: str, title: str, labels: tuple[str, ...], page: int, choice: str) -> int | None:
    """The index in ``labels`` of the numbered item ``choice`` on ``page``."""
    if not choice.isdigit():
        return None
    cut = pages(lang, title, labels)
    if page >= len(cut):
        return None
    start, stop = cut[page]
    n = int(choice)
    return start + n - 1 if 1 <= n <= stop - start else None


def page_count(lang: str, title: str, labels: tuple[str, ...]) -> int:
    return len(pages(lang, title, labels))


def preview(text: str, room: int) -> str:
    """As much of the citizen's own text as fits in ``room`` characters."""
    return shorten(text, max(room, 4))


def text_pages(text: str, first: int, rest: int) -> tuple[tuple[int, int], ...]:
    """``(start, stop)`` slices showing all of ``text``: page 0 within ``first`` characters,
    the others within ``rest``, each cut at a space when one is in its second half."""
    out: list[tuple[int, int]] = []
    start = 0
    while start < len(text) or not out:
        room = max(first if not out else rest, 8)
        stop = min(len(text), start + room)
        if stop < len(text):
            space = text.rfind(" ", start, stop + 1)
            stop = space if space > start + room // 2 else stop
        out.append((start, stop))
        start = stop + 1 if stop < len(text) and text[stop] == " " else stop
    return tuple(out)


def has_room(description: str) -> bool:
    """Whether a few more words still fit; when not, the screens say how to add by SMS."""
    return MAX_DESCRIPTION - len(description) - 1 >= MIN_TEXT
