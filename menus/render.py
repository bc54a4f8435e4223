"""The body of each screen of the tree, in the session's language.

Static menus are rendered once per language and kept; lists come from the
directory snapshot, whose labels are already short GSM-7 names.
"""

from __future__ import annotations

from functools import lru_cache

from core.directory import Directory
from core.i18n import translator

from menus import texts
from menus.screens import BODY_MAX, Screen, compose, footer, kind_name, list_body, preview
from menus.state import State


@lru_cache(maxsize=64)
def static_body(lang: str, node: str) -> str:
    t = translator(lang)
    back = footer(lang, False)
    if node == "root":
        return t._("Government services") + "\n9 " + t._("Services for citizens")
    if node == "gov":
        return t._("Services for citizens") + "\n2 e-Mrejesho\n" + back
    if node == "home":
        kinds = [f"{n} {t._(texts.KINDS[k])}" for n, k in enumerate(texts.KIND_ORDER, 1)]
        rest = ["6 " + t._("Track"), "7 " + t._("Appeal"), "8 Lugha/Language"]
        return "\n".join(["e-Mrejesho", *kinds, *rest])
    if node == "search":
        return t._("Type the first letters of the institution's name:") + "\n" + back
    if node == "track":
        return t._("Type the reference number (10 digits):") + "\n" + back
    if node == "appeal":
        return t._("Type the reference number you appeal on:") + "\n" + back
    if node == "reason":
        return t._("Why do you appeal? Write the reason:") + "\n" + back
    if node == "lang":
        return "Lugha/Language\n1 Kiswahili\n2 English\n" + back
    if node == "identity":
        return "\n".join([t._("Who is sending?"), "1 " + t._("Known, with my number"),
                          "2 " + t._("Anonymous"), back])
    if node == "name":
        return t._("Write your name, or 1 to skip:") + "\n" + back
    raise KeyError(node)


class Renderer:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self._labels: dict[str, tuple[str, ...]] = {}

    def body(self, state: State) -> str:
        node = state.node
        method = getattr(self, "_" + node, None)
        return method(state) if method else static_body(state.lang, node)

    def labels(self, arg: str, codes: tuple[str, ...]) -> tuple[str, ...]:
        found = self._labels.get(arg)
        if found is None:
            if arg == "r":
                found = tuple(label for _, label in self.directory.regions)
            else:
                found = tuple(self.directory.label(c) for c in codes)
            if not arg.startswith("q:"):
                self._labels[arg] = found
        return found

    def list_items(self, state: State) -> tuple[str, tuple[str, ...]]:
        """The title and the codes the list ``state.arg`` shows."""
        t, arg, d = translator(state.lang), state.arg, self.directory
        if arg == "r":
            return t._("Councils: choose the region"), tuple(c for c, _ in d.regions)
        if arg.startswith("c:"):
            title = t._("Councils of %(region)s", region=d.region_label(arg[2:]))
            return title, d.councils.get(arg[2:], ())
        if arg.startswith("q:"):
            return t._("Found:"), d.search(arg[2:])
        titles = {"g:ministry": t._("Ministries"),
                  "g:regional_secretariat": t._("Regional secretariats"),
                  "g:agency": t._("Agencies and departments")}
        return titles.get(arg, ""), d.groups.get(arg[2:], ())

    def _list(self, state: State) -> str:
        title, codes = self.list_items(state)
        return list_body(state.lang, title, self.labels(state.arg, codes), state.page)

    def _resume(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        head = t._("You have an unsent %(kind)s draft.", kind=kind_name(state.lang, d.kind))
        return "\n".join([head, "1 " + t._("Continue it"), "2 " + t._("Start again")])

    def _group(self, state: State) -> str:
        t = translator(state.lang)
        assert state.draft is not None
        lines = [t._("%(kind)s: choose the institution", kind=kind_name(state.lang,
                                                                           state.draft.kind)),
                 "1 " + t._("Ministry"), "2 " + t._("Region"), "3 " + t._("Council"),
                 "4 " + t._("Agency"), "5 " + t._("Search by name"),
                 "6 " + t._("I do not know"), footer(state.lang, False)]
        return "\n".join(lines)

    def _desc(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        if state.arg == "more":
            head = t._("Continue writing (%(n)s letters so far):", n=len(d.description))
        else:
            head = t._("Describe it for %(inst)s:", inst=self.directory.label(d.institution))
        return head + "\n" + footer(state.lang, False)

    def _desc_more(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        return "\n".join([t._("You wrote %(n)s letters.", n=len(d.description)),
                          "1 " + t._("Go on"), "2 " + t._("Add more"), footer(state.lang, False)])

    def _confirm(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        who = t._("anonymous") if d.anonymous else (d.name or t._("with your number"))
        tail = "\n".join(["1 " + t._("Send"), "2 " + t._("Delete"), footer(state.lang, False)])
        head = t._("%(kind)s to %(inst)s, %(who)s:", kind=kind_name(state.lang, d.kind),
                   inst=self.directory.label(d.institution), who=preview(who, 24))
        room = BODY_MAX - texts.MAX_REASON - 1 - len(head) - len(tail) - 4
        return f"{head}\n\"{preview(d.description, room)}\"\n{tail}"

    def submitted(self, state: State, out: object) -> Screen:
        t = translator(state.lang)
        ref = getattr(out, "reference", "")
        text = t._("Thank you. Your reference number is %(ref)s. An SMS with it follows.",
                   ref=ref)
        return Screen(compose(state.lang, "", text), end=True)

    def tracked(self, state: State, out: object) -> Screen:
        t = translator(state.lang)
        status = getattr(out, "status", "")
        text = t._("%(ref)s: %(kind)s to %(inst)s, sent %(date)s. Status: %(status)s.",
                   ref=getattr(out, "reference", ""), kind=kind_name(state.lang,
                                                                   getattr(out, "kind", "")),
                   inst=self.directory.label(getattr(out, "institution", "")),
                   date=getattr(out, "date", ""),
                   status=t._(texts.STATUSES.get(status, status)))
        return Screen(compose(state.lang, "", text), end=True)
