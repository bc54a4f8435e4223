"""Walk every reachable screen of the tree, in both languages, and check each one.

Every screen must fit 160 characters with its ``CON ``/``END `` prefix and use
GSM-7 characters only, whatever institution, kind, reason line or language.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import pytest

from core.gsm import is_gsm7
from core.references import damm_digit
from menus import texts
from menus.machine import Menu, Outcome, apology
from menus.screens import Screen
from menus.state import Draft, State, new_state

BODY = "Barabara ya kijiji*imeharibika tangu mwezi uliopita na magari hayapiti " * 3
NAME = "Mwanaisha Abdallah Mohamed Kitwana Salim Mussa Juma Ramadhani Omar"[:40]
VALID_REF = "123456789" + str(damm_digit("123456789"))
INPUTS = {
    "search": ["TRA", "Wi", "Ha", "Ar", "Ta", "zz", "a", "Halmashauri ya Wilaya"],
    "desc": ["ok", "1", BODY[:180], "Bar*abara mbovu", BODY[:148]],  # two of 148 fill it
    "name": ["1", "J", NAME, NAME + "x" * 10],
    "track": ["123", VALID_REF, "0000000001"],
    "appeal": ["123", VALID_REF],
    "reason": ["no", "Jibu halikunisaidia kabisa*kabisa"],
}
CHOICES = [str(n) for n in range(1, 13)] + ["98", "0", "00", "x", ""]


def check(screen: Screen) -> None:
    body = screen.body
    assert len(body) <= 160, f"{len(body)} chars: {body!r}"
    assert is_gsm7(body), body
    assert screen.text.strip(), body


def key(menu: Menu, state: State) -> tuple[object, ...]:
    """States that render alike once an institution is chosen count as one.

    The label's length is what can push a screen over the limit, so institutions
    with labels of equal length (and kinds, checked apart) are walked once.
    """
    d = state.draft
    draft = (len(menu.directory.label(d.institution)) if d.institution else 0,
             d.anonymous, d.named, len(d.name), len(d.description) // 100,
             d.leader) if d else None
    return (state.lang, state.node, state.page, state.arg, state.error, state.offer, draft)


def walk(menu: Menu, start: State, nodes: set[str] | None = None,
         stop: frozenset[str] = frozenset()) -> int:
    """Screens reachable from ``start``; those at a node in ``stop`` are checked, not entered."""
    seen: set[tuple[object, ...]] = set()
    queue = deque([start])
    screens = 0
    while queue:
        state = queue.popleft()
        for choice in INPUTS.get(state.node, CHOICES):
            after, screen = menu.step(state, choice)
            if screen.effect:
                continue
            check(screen)
            screens += 1
            if nodes is not None:
                nodes.add(after.node if after.arg[:2] not in ("R:", "b:", "c:", "d:") else
                          f"{after.node}:{after.arg[:1]}")
            if not screen.end and key(menu, after) not in seen and after.node not in stop:
                seen.add(key(menu, after))
                queue.append(after)
    return len(seen)


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_every_reachable_screen_fits_and_is_gsm7(menu: Menu, lang: str) -> None:
    check(menu.show(new_state(lang)))
    nodes: set[str] = set()
    assert walk(menu, new_state(lang), nodes) > 300
    # issue 21's screens: letter ranges, runs of regions, a region's list, description by SMS
    assert {"index", "list:R", "list:b", "list:c", "by_sms"} <= nodes, nodes
    assert "leader" in nodes, nodes  # Sema na Kiongozi (issue 16); its lists: test_kiongozi


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_resume_offer_for_every_kind(menu: Menu, lang: str) -> None:
    for kind in texts.KIND_ORDER:
        longest = max(menu.directory.entries, key=lambda c: len(menu.directory.label(c)))
        draft = Draft(kind=kind, node="confirm", institution=longest,
                      description=BODY[:400], named=True, name=NAME)
        state, screen = menu.home(new_state(lang, draft))
        assert state.node == "resume"
        check(screen)
        resumed, screen = menu.step(state, "1")
        assert resumed.node == "confirm"
        check(screen)


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_every_effect_outcome_screen(menu: Menu, lang: str) -> None:
    directory = menu.directory
    longest = max(directory.entries, key=lambda c: len(directory.label(c)))
    state = replace(new_state(lang), draft=Draft(kind="suggestion", institution=longest))
    for status in texts.STATUSES:
        for kind in texts.KIND_ORDER:
            out = Outcome(reference=VALID_REF, kind=kind, institution=longest,
                          status=status, date="31/12/2026")
            check(menu.finish(replace(state, node="track"), ("track", VALID_REF), out)[1])
    check(menu.finish(state, ("submit",), Outcome(reference=VALID_REF))[1])
    full = replace(state, draft=replace(state.draft, description="x" * 300))
    check(menu.finish(full, ("submit",), Outcome(reference=VALID_REF))[1])
    check(menu.finish(state, ("sms_draft", "1"), Outcome(sms_code="9999", to="15200999"))[1])
    check(menu.finish(state, ("appeal", VALID_REF, "x"), Outcome(reference=VALID_REF))[1])
    check(menu.finish(state, ("language", "en"), Outcome())[1])
    for code in [*texts.ERRORS, "rate_limited", "invalid_feedback", "whatever"]:
        for effect in (("submit",), ("track", VALID_REF), ("appeal", VALID_REF, "x")):
            check(menu.finish(replace(state, node="track"), effect, Outcome(code=code))[1])
    for message in (texts.APOLOGY, texts.EXPIRED):
        check(apology(lang, message))


def test_reasons_fit_their_reserved_line() -> None:
    from core.i18n import translator
    for lang in ("sw", "en"):
        for reason in texts.REASONS:
            assert len(translator(lang)._(reason)) <= texts.MAX_REASON, reason


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_every_page_of_a_tracked_answer_fits(menu: Menu, lang: str) -> None:
    """The sender's tracking: status (escalated or not), then every page of a long answer."""
    directory = menu.directory
    longest = max(directory.entries, key=lambda c: len(directory.label(c)))
    answer = ("Tumeshughulikia ombi lako, karibu ofisini na kitambulisho " * 40)[:2000]
    for up in ("", "-", longest):
        for status in texts.STATUSES:
            out = Outcome(reference=VALID_REF, kind="suggestion", institution=longest,
                          status=status, date="31/12/2026", answer=answer, escalated_to=up)
            state, screen = menu.finish(replace(new_state(lang), node="track"),
                                        ("track", VALID_REF), out)
            check(screen)
            check(menu.finish(replace(new_state(lang), node="track"), ("track", VALID_REF),
                              replace(out, answer=""))[1])
            pages = 0
            while True:
                after, screen = menu.step(state, "98")
                if not screen.effect:
                    check(screen)  # "no next page" over the last one
                    break
                state, screen = menu.finish(state, screen.effect, out)
                check(screen)
                pages += 1
            assert pages >= 20
