"""Sema na Kiongozi over USSD: home item 9, a level, then the existing lists of leaders' offices.

The directory here carries the district commissioners' offices (data/districts.csv),
as a seeded database does, so the district level's lists are walked too.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from core.directory import Directory, build_directory
from core.districts import FILE_NAME
from core.institutions import SHIPPED_CSV, read_rows
from core.models import Institution
from menus.machine import Menu
from menus.state import State, new_state
from tests.menus.test_every_screen import BODY, check, walk


@pytest.fixture(scope="module")
def leader_menu() -> Menu:
    rows = read_rows(SHIPPED_CSV.read_text(encoding="utf-8-sig"))
    institutions = [Institution(code=r.code, kind=r.kind, name_sw=r.name_sw, name_en=r.name_en,
                                short_names=r.short_names, short_sw=r.short_sw,
                                short_en=r.short_en, region_code=r.region_code or None)
                    for r in rows]
    text = SHIPPED_CSV.with_name(FILE_NAME).read_text(encoding="utf-8-sig")
    for row in csv.DictReader(io.StringIO(text)):
        short = f"DC {row['name_en'].split(' District')[0]}"  # as core.districts names them
        institutions.append(Institution(
            code=row["code"], kind="district", name_sw=row["name_sw"], name_en=row["name_en"],
            short_names=row["short_names"], short_sw=short, short_en=short,
            region_code=row["region_code"]))
    return Menu(build_directory(institutions))


def at_home(lang: str) -> State:
    return replace(new_state(lang), node="home")


def steps(menu: Menu, state: State, *choices: str) -> State:
    for choice in choices:
        state, screen = menu.step(state, choice)
        assert not screen.effect, (choice, screen)
        check(screen)
    return state


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_every_leader_screen_fits_and_is_gsm7(leader_menu: Menu, lang: str) -> None:
    state, screen = leader_menu.step(at_home(lang), "9")
    check(screen)
    assert state.node == "leader" and screen.text.count("\n") == 4, screen.text
    nodes: set[str] = set()
    # Back at the e-Mrejesho menu the rest is test_every_screen's walk.
    assert walk(leader_menu, state, nodes, stop=frozenset({"home", "gov", "root"})) > 100
    assert {"regions", "list:R", "list:d", "desc", "identity", "confirm"} <= nodes, nodes


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_home_names_the_leader_item(leader_menu: Menu, lang: str) -> None:
    _, screen = leader_menu.home(new_state(lang))
    check(screen)
    assert screen.text.endswith("9 " + ("Sema na Kiongozi" if lang == "sw" else
                                        "Speak to a leader"))


def _region_list(menu: Menu, state: State) -> State:
    """From the level's first screen (runs of regions, or letter ranges) to a list."""
    return steps(menu, state, "1") if state.node in ("regions", "index") else state


def test_district_level_reaches_a_district_office_and_sends_it_marked(
        leader_menu: Menu) -> None:
    directory: Directory = leader_menu.directory
    state = _region_list(leader_menu, steps(leader_menu, at_home("sw"), "9", "3"))
    assert state.arg.startswith("R:"), state.arg  # a run of regions, as the group screen's
    state = steps(leader_menu, state, "1")
    assert state.node == "list" and state.arg.startswith("d:"), state.arg
    _, codes = leader_menu.renderer.list_items(state)
    assert codes and all(directory.entries[c].kind == "district" for c in codes)
    state = steps(leader_menu, state, "1")
    assert state.node == "desc" and state.draft is not None
    assert state.draft.institution == codes[0] and state.draft.leader == "district"
    assert "SMS" not in leader_menu.show(state).text  # a leader's draft is not kept by SMS
    again, _ = leader_menu.step(state, "1")
    assert again.node == "desc" and again.error  # "1" is too short, never "by SMS" here
    state = steps(leader_menu, state, BODY[:120], "1", "2")
    assert state.node == "confirm"
    _, screen = leader_menu.step(state, "1")
    assert screen.effect == ("submit",)


@pytest.mark.parametrize(("level", "kind"), [("1", "ministry"), ("2", "regional_secretariat")])
def test_national_and_regional_levels_choose_the_office_itself(
        leader_menu: Menu, level: str, kind: str) -> None:
    state = steps(leader_menu, at_home("en"), "9", level)
    state = steps(leader_menu, _region_list(leader_menu, state), "1")
    assert state.node == "desc" and state.draft is not None
    assert leader_menu.directory.entries[state.draft.institution].kind == kind
    assert state.draft.leader == {"1": "national", "2": "regional"}[level]


def test_a_wrong_level_is_said_and_the_screen_stays(leader_menu: Menu) -> None:
    state = steps(leader_menu, at_home("sw"), "9")
    after, screen = leader_menu.step(state, "4")
    assert after.node == "leader" and after.error and after.draft is None
    check(screen)


def test_the_leader_mark_survives_the_draft_kept_for_a_redial(leader_menu: Menu) -> None:
    from menus.state import Draft
    state = steps(leader_menu, at_home("sw"), "9", "3")
    assert state.draft is not None
    assert Draft.decode(state.draft.encode()) == state.draft


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_the_status_screen_leads_on_to_a_leaders_directive(leader_menu: Menu, lang: str) -> None:
    """Issue 16: the sender's tracking says a leader gave a directive, on pages of its own."""
    from core.i18n import translator
    from menus import texts
    from menus.machine import Outcome
    from tests.menus.test_every_screen import VALID_REF

    directory = leader_menu.directory
    longest = max(directory.entries, key=lambda c: len(directory.label(c)))
    t = translator(lang)
    notices = [t._("A leader has given a directive on it."),
               t._("A leader directed: %(text)s", text="Jibu ndani ya siku 3, " * 40)]
    for notice in notices:
        for answer in ("", "Tumeshughulikia ombi lako " * 20):
            for up in ("", "-", longest):
                for status in texts.STATUSES:
                    out = Outcome(reference=VALID_REF, kind="suggestion", institution=longest,
                                  status=status, date="31/12/2026", answer=answer,
                                  escalated_to=up, directive=notice)
                    read = _read_all(leader_menu, lang, out)
                    assert read[0].startswith(t._("Leader") + " (1/")
                    assert any(p.startswith(t._("Answer")) for p in read) == bool(answer)


def _read_all(menu: Menu, lang: str, out: object) -> list[str]:
    """Every page after the status screen, each checked; returns their texts."""
    from menus.machine import Outcome
    from tests.menus.test_every_screen import VALID_REF
    assert isinstance(out, Outcome)
    state, screen = menu.finish(replace(new_state(lang), node="track"), ("track", VALID_REF), out)
    check(screen)
    assert "98 " in screen.text
    pages: list[str] = []
    while True:
        after, screen = menu.step(state, "98")
        if not screen.effect:
            check(screen)  # "no next page" over the last one
            return pages
        state, screen = menu.finish(state, screen.effect, out)
        check(screen)
        pages.append(screen.text)


@pytest.mark.parametrize("arg", ["b:regional_secretariat:0", "g:regional_secretariat"])
def test_a_district_draft_kept_on_the_old_list_of_regions_still_reaches_dc_offices(
        leader_menu: Menu, arg: str) -> None:
    """Before the runs of regions, the levels listed the secretariats by letters; a draft kept
    30 minutes across that deploy picks a region there and still gets its DC offices."""
    from menus.state import Draft
    draft = Draft(kind="complaint", node="list", arg=arg, leader="district")
    state, _ = leader_menu.home(new_state("sw", draft))
    state = steps(leader_menu, state, "1")       # continue the draft
    _, codes = leader_menu.renderer.list_items(state)
    if not codes:
        pytest.skip(f"this directory has no list {arg}")
    state = steps(leader_menu, state, "1")
    assert state.arg == f"d:{codes[0]}", state.arg
