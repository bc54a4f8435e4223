"""The screens that choose an institution, laid out so none is more than 6 screens deep.

From the dial-through: e-Mrejesho (1), the group screen (2), then at most three
screens to the description prompt (6). The group screen names the regions by
their first letters ("5 A-I 6 K-L 7 M"), so a council is a run of regions (3),
its region's list (4, 5) away; ministries and agencies are a screen of letter
ranges (3) and at most two pages of names (4, 5) away; typed letters find any
of them (3, 4, 5). tests/menus/test_reach.py walks every row of the directory
in both languages and holds the table to it.

List arguments (``State.arg`` of the ``list`` node):

    g:<group>        a whole group short enough for two pages
    b:<group>:<i>    the i-th letter range of a group (from the ``index`` node)
    R:<i>            the i-th run of regions (from the group screen)
    c:<region>       a region's secretariat, then its councils, place name first
    D:<region>       Sema na Kiongozi: a region's district commissioners' offices
    q:<letters>      what typed letters found
"""

from __future__ import annotations

from core.directory import Directory
from core.i18n import N_, translator
from menus.index import Run, runs
from menus.screens import footer, kind_name, page_count
from menus.state import State

GROUP_PAGES = 2      # pages of one group or letter range: screens 4 and 5
REGION_RUN = 6       # regions in one run: one screen
RUN_SLOT = "XXX-XXX"  # the longest run label a title is planned for
FIRST_REGION_CHOICE = 5
GROUP_TITLES = {"ministry": N_("Ministries %(letters)s:"),
                "agency": N_("Agencies %(letters)s:"),
                "regional_secretariat": N_("Regions %(letters)s:")}
WHOLE_TITLES = {"ministry": N_("Ministries"), "agency": N_("Agencies and departments"),
                "regional_secretariat": N_("Regional secretariats")}
INDEX_TITLES = {"ministry": N_("Ministries: first letters"),
                "agency": N_("Agencies: first letters"),
                "regional_secretariat": N_("Regions: first letters")}
DISTRICT_KIND = "district"


class Chooser:
    """Bodies and list contents of the choosing screens over one directory snapshot."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._labels: dict[tuple[str, str], tuple[str, ...]] = {}
        self._runs: dict[tuple[str, str], tuple[Run, ...]] = {}
        self._regions: tuple[Run, ...] | None = None

    # -- what a list holds -------------------------------------------------------------
    def labels(self, lang: str, arg: str, codes: tuple[str, ...]) -> tuple[str, ...]:
        found = self._labels.get((lang, arg))
        if found is None:
            d = self.directory
            if arg.startswith("R:"):
                found = tuple(d.region_label(c) for c in codes)
            elif arg.startswith("c:"):
                found = tuple(d.label(c, lang) for c in codes)
            else:
                found = tuple(d.list_label(c, lang) for c in codes)
            if not arg.startswith("q:"):
                self._labels[(lang, arg)] = found
        return found

    def list_items(self, state: State) -> tuple[str, tuple[str, ...]]:
        """The title and the codes the list ``state.arg`` shows."""
        t, arg, d, lang = translator(state.lang), state.arg, self.directory, state.lang
        if arg.startswith("R:"):
            run = self._region_run(arg[2:])
            codes = tuple(c for c, _ in d.regions[run.start:run.stop]) if run else ()
            return t._("Region:"), codes
        if arg.startswith("c:"):
            return d.region_label(arg[2:]) + ":", d.councils.get(arg[2:], ())
        if arg.startswith("D:"):  # Sema na Kiongozi: a region's district commissioners
            offices = tuple(c for c in d.councils.get(arg[2:], ())
                            if d.entries[c].kind == DISTRICT_KIND)
            return t._("Districts, %(region)s:", region=d.region_label(arg[2:])), offices
        if arg.startswith("q:"):
            return t._("Found:"), d.search(arg[2:], lang)
        if arg.startswith("b:"):
            group, _, index = arg[2:].partition(":")
            chosen = self._run(lang, group, index)
            if chosen is None:
                return "", ()
            title = t._(GROUP_TITLES.get(group, "%(letters)s:"), letters=chosen.label)
            return title, d.group(lang, group)[chosen.start:chosen.stop]
        if arg.startswith("g:") and arg[2:] in WHOLE_TITLES:
            return t._(WHOLE_TITLES[arg[2:]]), d.group(lang, arg[2:])
        return "", ()  # a list this snapshot no longer has (a draft kept across a deploy)

    # -- letter ranges -----------------------------------------------------------------
    def group_fits(self, lang: str, group: str) -> bool:
        """Whether the whole group fits the pages a letter range may take."""
        return _fits(self.directory, lang, group, 0, len(self.directory.group(lang, group)))

    def runs(self, lang: str, group: str) -> tuple[Run, ...]:
        found = self._runs.get((lang, group))
        if found is None:
            d = self.directory
            keys = tuple(d.list_label(c, lang) for c in d.group(lang, group))
            found = runs(keys, lambda a, b: _fits(d, lang, group, a, b))
            self._runs[(lang, group)] = found
        return found

    def region_runs(self) -> tuple[Run, ...]:
        if self._regions is None:
            keys = tuple(label for _, label in self.directory.regions)
            self._regions = runs(keys, lambda a, b: b - a <= REGION_RUN)
        return self._regions

    def _run(self, lang: str, group: str, index: str) -> Run | None:
        found = self.runs(lang, group)
        return found[int(index)] if index.isdigit() and int(index) < len(found) else None

    def _region_run(self, index: str) -> Run | None:
        found = self.region_runs()
        return found[int(index)] if index.isdigit() and int(index) < len(found) else None

    # -- bodies ------------------------------------------------------------------------
    def group_body(self, state: State) -> str:
        """Groups, then the regions by first letters; a reason line takes the title's place."""
        t, lang = translator(state.lang), state.lang
        assert state.draft is not None
        lines = [] if state.error else [t._("%(kind)s to:", kind=kind_name(lang,
                                                                        state.draft.kind))]
        lines += ["1 " + t._("Ministry"), "2 " + t._("Agency"), "3 " + t._("Search by name"),
                  "4 " + t._("I do not know"), t._("Region or council:")]
        lines += _rows([f"{n} {run.label}" for n, run in
                        enumerate(self.region_runs(), FIRST_REGION_CHOICE)])
        return "\n".join([*lines, footer(lang, False)])

    def index_body(self, state: State) -> str:
        t = translator(state.lang)
        title = t._(INDEX_TITLES.get(state.arg, INDEX_TITLES["agency"]))
        items = [f"{n} {run.label}" for n, run in enumerate(self.runs(state.lang, state.arg), 1)]
        return "\n".join([title, *_rows(items), footer(state.lang, False)])


def _rows(items: list[str], per_row: int = 3) -> list[str]:
    return [" ".join(items[i:i + per_row]) for i in range(0, len(items), per_row)]


def _fits(d: Directory, lang: str, group: str, start: int, stop: int) -> bool:
    t = translator(lang)
    title = t._(GROUP_TITLES.get(group, "%(letters)s:"), letters=RUN_SLOT)
    labels = tuple(d.list_label(c, lang) for c in d.group(lang, group)[start:stop])
    return page_count(lang, title, labels) <= GROUP_PAGES


__all__ = ["Chooser", "FIRST_REGION_CHOICE"]
