"""The body of each screen of the tree, in the session's language.

Static menus are rendered once per language and kept; lists come from the
directory snapshot, whose labels are already short GSM-7 names.
"""

from __future__ import annotations

from functools import lru_cache

from core.directory import Directory
from core.i18n import translator

from menus import texts
from menus.choose import Chooser
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
        self.chooser = Chooser(directory)

    def body(self, state: State) -> str:
        node = state.node
        method = getattr(self, "_" + node, None)
        return method(state) if method else static_body(state.lang, node)

    def labels(self, lang: str, arg: str, codes: tuple[str, ...]) -> tuple[str, ...]:
        return self.chooser.labels(lang, arg, codes)

    def list_items(self, state: State) -> tuple[str, tuple[str, ...]]:
        return self.chooser.list_items(state)

    def _list(self, state: State) -> str:
        title, codes = self.list_items(state)
        return list_body(state.lang, title, self.labels(state.lang, state.arg, codes),
                         state.page)

    def _index(self, state: State) -> str:
        return self.chooser.index_body(state)

    def _resume(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        head = t._("You have an unsent %(kind)s draft.", kind=kind_name(state.lang, d.kind))
        return "\n".join([head, "1 " + t._("Continue it"), "2 " + t._("Start again")])

    def _group(self, state: State) -> str:
        return self.chooser.group_body(state)

    def _desc(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        if state.arg == "more":
            head = t._("Continue writing (%(n)s letters so far):", n=len(d.description))
        else:
            head = t._("Describe it for %(inst)s:",
                       inst=self.directory.label(d.institution, state.lang))
            head += "\n1 " + t._("Send it by SMS instead")
        return head + "\n" + footer(state.lang, False)

    def _desc_more(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        return "\n".join([t._("You wrote %(n)s letters.", n=len(d.description)),
                          "1 " + t._("Next: who is sending"), "2 " + t._("Add more"),
                          footer(state.lang, False)])

    def _confirm(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        who = t._("anonymous") if d.anonymous else (d.name or t._("with your number"))
        tail = "\n".join(["1 " + t._("Send"), "2 " + t._("Delete"), footer(state.lang, False)])
        head = t._("%(kind)s to %(inst)s, %(who)s:", kind=kind_name(state.lang, d.kind),
                   inst=self.directory.label(d.institution, state.lang), who=preview(who, 24))
        room = BODY_MAX - texts.MAX_REASON - 1 - len(head) - len(tail) - 4
        return f"{head}\n\"{preview(d.description, room)}\"\n{tail}"

    def _by_sms(self, state: State) -> str:
        t = translator(state.lang)
        return "\n".join([t._("The description by SMS. Who is sending?"),
                          "1 " + t._("Known, with my number"), "2 " + t._("Anonymous"),
                          footer(state.lang, False)])

    def awaiting_sms(self, state: State, out: object) -> Screen:
        t = translator(state.lang)
        text = t._("Send an SMS to %(to)s: %(code)s, a space and your description, within "
                   "30 minutes. Or reply to our SMS. The reference comes by SMS.",
                   to=getattr(out, "to", ""), code=getattr(out, "sms_code", ""))
        return Screen(compose(state.lang, "", text), end=True)

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
                   inst=self.directory.label(getattr(out, "institution", ""), state.lang),
                   date=getattr(out, "date", ""),
                   status=t._(texts.STATUSES.get(status, status)))
        return Screen(compose(state.lang, "", text), end=True)
