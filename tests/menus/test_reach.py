"""The screen walker of issue 21: how many screens each institution is from the dial-through.

A screen is what the phone shows: the e-Mrejesho menu the dial-through
``*152*00*9*2#`` lands on is screen 1, the description prompt the last one
counted. Two ways are walked for every row of the directory as the service loads
it (``data/institutions.csv`` and the 139 district commissioners' offices of
``data/districts.csv``), in both languages:

- lists: every numbered choice and ``98`` from the e-Mrejesho menu, breadth
  first, so each institution's count is the fewest screens the lists allow;
- letters: "3 Search by name", then the first word of the name the citizen
  reads (``Bahi``, ``TANROADS``, ``Maji``), then the pages of what it found.

Both must be at most 6 for every institution. The table is printed with ``-s``
and summarised in the README (section "Reaching an institution").
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import replace

import pytest

from core.districts import DISTRICT_KIND, SHORT_PREFIX
from core.gsm import is_gsm7
from core.kiongozi import LEVELS
from menus.machine import LEADER_ITEM, Menu
from menus.screens import MORE, pages
from menus.state import Draft, State, new_state

LIMIT = 6
CHOICES = [str(n) for n in range(1, 13)] + [MORE]


def start(lang: str) -> tuple[State, int]:
    """The state after the dial-through: the e-Mrejesho menu, screen 1."""
    state = replace(new_state(lang), node="home")
    return state, 1


def by_lists(menu: Menu, lang: str) -> dict[str, int]:
    home, _ = start(lang)
    state, _screen = menu.step(home, "1")  # a complaint: the kind does not change the tree
    found: dict[str, int] = {}
    seen = {state.frame}
    queue = deque([(state, 2)])
    while queue:
        state, screens = queue.popleft()
        for choice in CHOICES:
            after, screen = menu.step(state, choice)
            if screen.effect or screen.end or after.error:
                continue
            if after.node == "desc":
                assert after.draft is not None
                found.setdefault(after.draft.institution, screens + 1)
            elif after.node in ("group", "index", "list") and after.frame not in seen:
                seen.add(after.frame)
                queue.append((after, screens + 1))
    return found


def typed(menu: Menu, lang: str, code: str) -> str:
    """What a citizen types for an institution: the first word of the name they read, the
    place for a district commissioner's office ("DC Bahi": ``Bahi``)."""
    label = menu.directory.list_label(code, lang).removeprefix(SHORT_PREFIX)
    word = label.split()[0].strip(",.()")
    return word if len(word) >= 2 else label


def by_letters(menu: Menu, lang: str, code: str) -> int | None:
    state, screens = start(lang)
    for choice in ("1", "3", typed(menu, lang, code)):
        state, screen = menu.step(state, choice)
        screens += 1
        assert not state.error, screen.body
    while True:  # the found list, page by page
        title, codes = menu.renderer.list_items(state)
        labels = menu.renderer.labels(lang, state.arg, codes)
        start_, stop = pages(lang, title, labels)[state.page]
        if code in codes[start_:stop]:
            after, _ = menu.step(state, str(codes.index(code) - start_ + 1))
            drafted = (after.draft.kind, after.draft.institution, after.draft.node)
            assert after.node == "desc" and drafted == ("complaint", code, "desc")
            return screens + 1
        state, _ = menu.step(state, MORE)
        if state.error:
            return None
        screens += 1


def table(menu: Menu) -> list[tuple[str, str, str, dict[str, int | None]]]:
    lists = {lang: by_lists(menu, lang) for lang in ("sw", "en")}
    rows = []
    for code, entry in sorted(menu.directory.entries.items(),
                              key=lambda kv: (kv[1].kind, kv[1].list_label("sw").lower())):
        counts: dict[str, int | None] = {}
        for lang in ("sw", "en"):
            counts[f"lists {lang}"] = lists[lang].get(code)
            counts[f"letters {lang}"] = by_letters(menu, lang, code)
        rows.append((entry.kind, entry.label("sw"), entry.label("en"), counts))
    return rows


@pytest.fixture(scope="module")
def walked(menu: Menu) -> list[tuple[str, str, str, dict[str, int | None]]]:
    return table(menu)


def test_every_institution_within_six_screens_both_ways_both_languages(walked, capsys) -> None:
    columns = ["lists sw", "lists en", "letters sw", "letters en"]
    with capsys.disabled():
        print("\nScreens from the dial-through to the description prompt (issue 21)")
        print(f"{'kind':<22}{'institution (sw)':<26}{'(en)':<26}"
              + "".join(f"{c:>12}" for c in columns))
        for kind, label, english, counts in walked:
            print(f"{kind:<22}{label:<26}{english:<26}" + "".join(f"{counts[c] or '-':>12}"
                                                                for c in columns))
        print(f"\n{'worst / median':<22}{'institutions':>12}" + "".join(f"{c:>12}"
                                                                      for c in columns))
        for kind in sorted({row[0] for row in walked}) + ["all"]:
            rows = [counts for k, *_, counts in walked if kind in (k, "all")]
            cells = []
            for c in columns:
                values = [counts[c] or 99 for counts in rows]
                cells.append(f"{max(values)} / {statistics.median(values):g}")
            print(f"{kind:<22}{len(rows):>12}" + "".join(f"{cell:>12}" for cell in cells))
    too_deep = [(label, c, counts[c]) for _, label, _, counts in walked for c in columns
                if counts[c] is None or counts[c] > LIMIT]  # type: ignore[operator]
    assert not too_deep, too_deep


def test_the_walk_covers_every_row(menu: Menu, walked) -> None:
    assert len(walked) == len(menu.directory.entries) > 450
    assert sum(kind == DISTRICT_KIND for kind, *_ in walked) == 139


@pytest.mark.parametrize("lang", ["sw", "en"])
def test_each_regions_district_offices_are_one_item_and_one_page(menu: Menu, lang: str) -> None:
    """Listed after the councils they made a third page (7 screens): now item 2, one page."""
    for code, _place in menu.directory.regions:
        state = replace(new_state(lang), node="list", arg=f"c:{code}",
                        draft=Draft(kind="complaint"))
        state, screen = menu.step(state, "2")
        assert state.arg == f"d:{code}" and "98" not in screen.body, screen.body
        assert len(screen.body) <= 160 and is_gsm7(screen.body), screen.body
        _title, offices = menu.renderer.list_items(state)
        assert offices and all(menu.directory.entries[c].kind == DISTRICT_KIND
                               for c in offices)
        state, screen = menu.step(state, str(len(offices)))
        assert state.node == "desc" and state.draft and state.draft.institution == offices[-1]


def test_bahi_and_pangani_are_five_screens_by_the_lists(menu: Menu) -> None:
    """The two the issue was filed with: 10 and 15 screens before."""
    for lang in ("sw", "en"):
        found = by_lists(menu, lang)
        assert found["LGA-BAHI-DC"] <= 5 and found["LGA-PANGANI-DC"] <= 6


def test_english_lists_show_no_swahili_name(menu: Menu) -> None:
    """Every list a citizen reads in English names institutions in English, and back."""
    d = menu.directory
    for lang, other in (("en", "sw"), ("sw", "en")):
        shown: set[str] = set()
        for arg in ["g:ministry", "g:agency", *(f"c:{code}" for code, _ in d.regions)]:
            state = replace(new_state(lang), node="list", arg=arg)
            _title, codes = menu.renderer.list_items(state)
            shown.update(menu.renderer.labels(lang, arg, codes))
        foreign = {d.list_label(c, other) for c in d.entries} - \
            {d.list_label(c, lang) for c in d.entries}
        foreign |= {d.label(c, other) for c in d.entries} - {d.label(c, lang) for c in d.entries}
        assert shown and not shown & foreign, shown & foreign
    assert d.label("MOWATER", "en") == "Ministry of Water"
    assert d.label("LGA-DODOMA-CC", "sw") == "Dodoma Jiji"
    assert (d.label("RITA", "sw"), d.label("RITA", "en")) == ("RITA vyeti", "RITA certificates")


def test_poster_dial_through_lands_on_each_region(menu: Menu) -> None:
    """``*152*00*9*2*<kind>*<run>*<n>#`` as the README's poster table prints it."""
    from menus.choose import FIRST_REGION_CHOICE
    runs = menu.renderer.chooser.region_runs()
    for i, (code, place) in enumerate(menu.directory.regions):
        run = next(n for n, r in enumerate(runs) if r.start <= i < r.stop)
        state = new_state("sw")
        for digit in ["9", "2", "1", str(FIRST_REGION_CHOICE + run), str(i - runs[run].start + 1)]:
            state, screen = menu.step(state, digit)
        assert screen.body.startswith(f"CON {place}:\n1 ") and state.arg == f"c:{code}"


@pytest.mark.parametrize("arg", ["r", "g:regional_secretariat", "b:agency:99", "R:9", "c:NOPE",
                                 "d:NOPE"])
def test_a_list_kept_in_a_draft_across_a_deploy_still_renders(menu: Menu, arg: str) -> None:
    """A draft (30 minutes in Redis) may name a list the new snapshot does not have."""
    draft = Draft(kind="complaint", node="list", arg=arg)
    state, screen = menu.home(new_state("sw", draft))
    state, screen = menu.step(state, "1")                     # continue it
    assert state.node == "list" and len(screen.body) <= 160
    state, screen = menu.step(state, "1")                     # picked, or told it cannot be
    assert (state.node, bool(state.error)) in (("list", True), ("desc", False))
    assert len(screen.body) <= 160
    state, screen = menu.step(state, "00")
    assert state.node == "home"


@pytest.mark.parametrize("lang", ["sw", "en"])
@pytest.mark.parametrize("words", [["Maji hayatoki tangu jana"], ["a" * 150, "2", "b" * 149]])
def test_no_screen_on_the_way_asks_only_to_go_on(menu: Menu, lang: str, words: list[str]) -> None:
    """Issue 21: a screen whose one choice is "go on" is folded into the next; every
    numbered choice says what it does. Walked as a citizen submits: short and full text."""
    state, _ = start(lang)
    steps = ["1", "3", "TRA", "1", *words, *(["1"] if len(words) == 1 else []), "2", "1"]
    choices_seen = []
    for typed_in in steps:
        state, screen = menu.step(state, typed_in)
        if screen.effect:
            assert screen.effect == ("submit",) and typed_in == steps[-1]
            break
        assert not state.error, screen.body
        choices = [line for line in screen.text.split("\n")
                   if line.split(" ", 1)[0].isdigit() and line.split(" ", 1)[0] not in
                   ("0", "00", MORE)]
        choices_seen.append((state.node, len(choices)))
        if state.node not in ("search", "desc", "name"):  # a prompt: typing is the answer
            assert len(choices) >= 2, screen.body
    after_text = choices_seen[4 + len(words) - 1][0]  # "add more" or, when full, who sends
    assert after_text == ("desc_more" if len(words) == 1 else "identity")


def by_leader_lists(menu: Menu, lang: str) -> dict[str, dict[str, int]]:
    """Sema na Kiongozi: level -> office -> the fewest screens from the e-Mrejesho menu (1),
    "9" (2) and the level (3) to the description prompt, by every numbered choice and ``98``."""
    home, _ = start(lang)
    found: dict[str, dict[str, int]] = {}
    seen = {(home.frame, "")}
    queue = deque([(home, 1)])
    while queue:
        state, screens = queue.popleft()
        for choice in ([LEADER_ITEM] if state.node == "home" else CHOICES):
            after, screen = menu.step(state, choice)
            if screen.effect or screen.end or after.error:
                continue
            if after.node == "desc":
                assert after.draft is not None and after.draft.leader, after
                found.setdefault(after.draft.leader, {}).setdefault(
                    after.draft.institution, screens + 1)
                continue
            frame = (after.frame, after.draft.leader if after.draft else "")
            if after.node != "home" and frame not in seen:  # the levels share screens
                seen.add(frame)
                queue.append((after, screens + 1))
    return found


@pytest.fixture(scope="module")
def leader_walk(menu: Menu) -> dict[str, dict[str, dict[str, int]]]:
    return {lang: by_leader_lists(menu, lang) for lang in ("sw", "en")}


def test_every_leaders_office_within_six_screens_by_sema_na_kiongozi(
        menu: Menu, leader_walk: dict[str, dict[str, dict[str, int]]], capsys) -> None:
    """Issue 16's path under issue 21's rule: every ministry, regional and district
    commissioner's office, in both languages (7 and 8 screens to a DC's office before)."""
    d = menu.directory
    with capsys.disabled():
        print("\nSema na Kiongozi: screens from the e-Mrejesho menu to the description prompt")
        print(f"{'level':<12}{'offices':>9}{'sw worst / median':>20}{'en worst / median':>20}")
        for level, kind in LEVELS.items():
            offices = {c for c, e in d.entries.items() if e.kind == kind}
            cells = []
            for lang in ("sw", "en"):
                counts = leader_walk[lang].get(level, {})
                assert set(counts) == offices, (level, lang, offices ^ set(counts))
                values = list(counts.values())
                assert max(values) <= LIMIT, (level, lang, max(counts.items(), key=lambda kv:
                                                               kv[1]))
                cells.append(f"{max(values)} / {statistics.median(values):g}")
            print(f"{level:<12}{len(offices):>9}" + "".join(f"{c:>20}" for c in cells))

