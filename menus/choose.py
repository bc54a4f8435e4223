"""The screens that choose an institution, laid out so none is more than 6 screens deep.

From the dial-through: e-Mrejesho (1), the group screen (2), then at most three
screens to the description prompt (6). The group screen names the regions by
their first letters ("5 A-I 6 K-L 7 M"), so a council is a run of regions (3),
its region's list (4, 5) away, a district commissioner's office the region's
"DC offices" item (4) and one page of places (5) away; ministries
and agencies are a screen of letter ranges (3) and at most two pages of names
(4, 5) away; typed letters find any of them (3, 4, 5). tests/menus/test_reach.py
walks every row of the directory in both languages and holds the table to it.
Sema na Kiongozi's regional and district levels show the same runs of regions on
a screen of their own (3), then a run's regions (4) and, for a district
commissioner, the region's one page of DC offices (5): 6 at most, walked too.

List arguments (``State.arg`` of the ``list`` node):

    g:<group>        a whole group short enough for two pages
    b:<group>:<i>    the i-th letter range of a group (from the ``index`` node)
    R:<i>            the i-th run of regions (from the group screen, or the ``regions``
                     node of Sema na Kiongozi, where a region is the leader's office)
    c:<region>       a region's secretariat, its district commissioners (one item), then
                     its councils, place name first
    d:<region>       the district commissioners' offices of a region, by place: one page
                     (also Sema na Kiongozi's district level, straight from a run of regions)
    q:<letters>      what typed letters found
"""

from __future__ import annotations

from core.directory import Directory
from core.districts import DISTRICT_KIND, SHORT_PREFIX
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
DISTRICTS_ITEM = N_("DC offices")  # the district commissioners'
DISTRICTS_TITLE = N_("DC offices, %(region)s:")
LEADER_TITLES = {"regional": N_("Regional commissioner"),
                 "district": N_("District commissioner")}
INDEX_TITLES = {"ministry": N_("Ministries: first letters"),
                "agency": N_("Agencies: first letters"),
                "regional_secretariat": N_("Regions: first letters")}


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
            found = self._labels_of(lang, arg, codes)
            if not arg.startswith("q:"):
                self._labels[(lang, arg)] = found
        return found

    def _labels_of(self, lang: str, arg: str, codes: tuple[str, ...]) -> tuple[str, ...]:
        d = self.directory
        if arg.startswith("R:"):
            return tuple(d.region_label(c) for c in codes)
        if arg.startswith("c:"):
            item = translator(lang)._(DISTRICTS_ITEM)
            return tuple(item if c.startswith("d:") else d.label(c, lang) for c in codes)
        if arg.startswith("d:"):  # the title says whose offices: "Bahi", not "DC Bahi"
            return tuple(d.label(c, lang).removeprefix(SHORT_PREFIX) for c in codes)
        return tuple(d.list_label(c, lang) for c in codes)

    def list_items(self, state: State) -> tuple[str, tuple[str, ...]]:
        """The title and the codes the list ``state.arg`` shows."""
        t, arg, d, lang = translator(state.lang), state.arg, self.directory, state.lang
        if arg.startswith("R:"):
            run = self._region_run(arg[2:])
            codes = tuple(c for c, _ in d.regions[run.start:run.stop]) if run else ()
            return t._("Region:"), codes
        if arg.startswith("c:"):
            return d.region_label(arg[2:]) + ":", self._region_list(arg[2:])
        if arg.startswith("d:"):
            title = t._(DISTRICTS_TITLE, region=d.region_label(arg[2:]))
            return title, self._districts(arg[2:])
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

    def opens(self, arg: str, code: str) -> str | None:
        """The list a choice on list ``arg`` opens, or None when it chose an institution."""
        if arg.startswith("R:"):
            return "c:" + code
        return code if code.startswith("d:") else None

    def _districts(self, region: str) -> tuple[str, ...]:
        d = self.directory
        return tuple(c for c in d.councils.get(region, ())
                     if (e := d.get(c)) is not None and e.kind == DISTRICT_KIND)

    def _region_list(self, region: str) -> tuple[str, ...]:
        """The secretariat, one item for the district offices, then the councils.

        The 139 district offices listed after the councils put a third page on the
        longest regions (7 screens to the description prompt); behind one item on the
        first page they are 6, and the councils keep their two pages.
        """
        districts = self._districts(region)
        own = tuple(c for c in self.directory.councils.get(region, ()) if c not in districts)
        return (*own[:1], "d:" + region, *own[1:]) if districts else own

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

    def regions_body(self, state: State) -> str:
        """Sema na Kiongozi's runs of regions, numbered from 1, under the level's name."""
        t = translator(state.lang)
        level = state.draft.leader if state.draft is not None else ""
        items = [f"{n} {run.label}" for n, run in enumerate(self.region_runs(), 1)]
        return "\n".join([t._(LEADER_TITLES.get(level, INDEX_TITLES["regional_secretariat"])),
                          t._(INDEX_TITLES["regional_secretariat"]), *_rows(items),
                          footer(state.lang, False)])

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


__all__ = ["LEADER_TITLES", "Chooser", "FIRST_REGION_CHOICE"]
