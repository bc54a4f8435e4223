"""Issue 14 in the menu itself: nothing the citizen types is cut or thrown away unasked."""

from __future__ import annotations

from dataclasses import replace

import pytest

from menus import texts
from menus.machine import MAX_DESCRIPTION, Menu
from menus.state import Draft, State, new_state

WORDS = "Barabara ya kijiji imeharibika tangu mwezi uliopita na magari hayapiti "


def at_desc(menu: Menu, lang: str = "sw") -> State:
    state = replace(new_state(lang), node="home")
    for choice in ("1", "4"):   # complaint, "I do not know": the central desk
        state, _ = menu.step(state, choice)
    assert state.node == "desc"
    return state


def test_the_limit_is_said_before_typing(menu: Menu) -> None:
    screen = menu.show(at_desc(menu))
    assert f"(hadi herufi {MAX_DESCRIPTION})" in screen.body
    english = menu.show(at_desc(menu, "en"))
    assert f"(up to {MAX_DESCRIPTION} letters)" in english.body


def test_nothing_is_cut_add_more_only_while_there_is_room(menu: Menu) -> None:
    state, screen = menu.step(at_desc(menu), (WORDS * 3)[:150].strip())
    assert "2 Ongeza maelezo" in screen.body and "kati ya 300" in screen.body
    state, screen = menu.step(state, "2")
    assert "hadi herufi" in screen.body
    before = state.draft.description
    state, screen = menu.step(state, (WORDS * 3)[:160])       # would pass 300: refused whole
    assert state.draft.description == before and state.node == "desc"
    assert screen.body.startswith("CON Ndefu kuliko nafasi iliyobaki: punguza.")
    state, screen = menu.step(state, "x" * (MAX_DESCRIPTION - len(before) - 1))
    assert len(state.draft.description) == MAX_DESCRIPTION
    # full: only "go on" was left to ask, so it is folded into who is sending (issue 21)
    assert state.node == "identity" and screen.body.startswith("CON Imejaa, herufi 300")
    _, again = menu.step(state, "7")                         # room kept for the reason line
    assert again.body == f"CON Chaguo si sahihi, jaribu tena.\n{screen.text}"
    state, screen = menu.step(state, "0")                    # the folded screen, kept for back
    assert "Ongeza maelezo" not in screen.body and "ONGEZA" in screen.body
    state, screen = menu.step(state, "2")                    # not "invalid choice"
    assert screen.body.startswith("CON Maelezo yamefika kikomo.")


def test_the_confirm_screen_pages_through_the_whole_text(menu: Menu) -> None:
    text = (WORDS * 5)[:MAX_DESCRIPTION].strip()
    draft = Draft(kind="complaint", node="confirm", institution="TRA", description=text,
                  anonymous=True)
    state, screen = menu.step(replace(new_state("sw", draft), node="confirm", draft=draft), "x")
    shown = []
    for _ in range(20):
        lines = screen.text.split("\n")
        body = lines[2] if lines[0].startswith(("Lalamiko", "Chaguo")) else lines[0]
        body = body[body.index(") ") + 2:] if body.startswith("(") else body
        shown.append(body)
        if "98 Zaidi" not in screen.text:
            break
        state, screen = menu.step(state, "98")
        assert len(screen.body) <= 160
    assert " ".join(shown) == text and len(shown) > 3
    assert "..." not in "".join(shown)
    _, screen = menu.step(state, "98")
    assert screen.text.startswith(menu.show(replace(state, error=texts.NO_MORE)).text[:20])


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_delete_asks_once(menu: Menu, lang: str) -> None:
    draft = Draft(kind="complaint", node="confirm", institution="TRA", description="Maji",
                  anonymous=True)
    state = replace(new_state(lang, draft), node="confirm", offer=False)
    asked, screen = menu.step(state, "2")
    assert not screen.end and asked.draft is not None and asked.node == "sure"
    kept, screen = menu.step(asked, "2")
    assert kept.node == "confirm" and kept.draft == draft
    gone, screen = menu.step(asked, "1")
    assert screen.end and gone.draft is None


def test_back_on_the_length_screen_asks_before_throwing_the_text_away(menu: Menu) -> None:
    state, _ = menu.step(at_desc(menu), "Maji hayatoki tangu jana")
    assert state.node == "desc_more"
    asked, screen = menu.step(state, "0")
    assert asked.node == "sure" and "Futa ulichoandika?" in screen.body
    kept, _ = menu.step(asked, "2")
    assert kept.node == "desc_more" and kept.draft.description == "Maji hayatoki tangu jana"
    cleared, screen = menu.step(asked, "1")
    assert cleared.node == "desc" and cleared.draft.description == ""
    assert "Eleza kwa" in screen.body
    back, _ = menu.step(cleared, "0")          # and back from there goes where it always did
    assert back.node == "group"  # the desk was chosen on the group screen


def test_start_again_on_a_kept_draft_asks_once(menu: Menu) -> None:
    draft = Draft(kind="suggestion", node="desc_more", institution="TRA", description="Ofisi")
    state, _ = menu.home(new_state("sw", draft))
    asked, _ = menu.step(state, "2")
    assert asked.node == "sure" and asked.draft == draft
    assert menu.step(asked, "2")[0].node == "resume"
    home, _ = menu.step(asked, "1")
    assert home.node == "home" and home.draft is None


def test_a_nul_or_control_character_in_the_text_is_dropped(menu: Menu) -> None:
    state, screen = menu.step(at_desc(menu), "Maji\x00 hayatoki\x07 kabisa")
    assert state.draft.description == "Maji hayatoki kabisa" and state.node == "desc_more"
