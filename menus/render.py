"""The body of each screen of the tree, in the session's language.

Static menus are rendered once per language and kept; lists come from the
directory snapshot, whose labels are already short GSM-7 names.
"""

from __future__ import annotations

from functools import lru_cache

from core.directory import Directory
from core.i18n import translator
from menus import texts
from menus.choose import LEADER_TITLES, Chooser
from menus.screens import (
    BODY_MAX,
    MAX_DESCRIPTION,
    MORE,
    Screen,
    compose,
    footer,
    has_room,
    kind_name,
    list_body,
    preview,
    text_pages,
)
from menus.state import State, replace

ROOM = BODY_MAX - texts.MAX_REASON - 1   # what a body may use, a reason line kept free
MARK = len("(10/10) ")                  # "(2/5) " before each page of a long text


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
        rest = ["6 " + t._("Track"), "7 " + t._("Appeal"), "8 Lugha/Language",
                "9 " + t._("Speak to a leader")]
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
    if node == "leader":  # Sema na Kiongozi: which level of leader
        return "\n".join([t._("Speak to a leader"), "1 " + t._("Minister (ministry)"),
                          "2 " + t._(LEADER_TITLES["regional"]),
                          "3 " + t._(LEADER_TITLES["district"]), back])
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

    def _regions(self, state: State) -> str:
        return self.chooser.regions_body(state)

    def _resume(self, state: State) -> str:
        t, d = translator(state.lang), state.draft
        assert d is not None
        head = t._("You have an unsent %(kind)s draft.", kind=kind_name(state.lang, d.kind))
        return "\n".join([head, "1 " + t._("Continue it"), "2 " + t._("Start again")])

    def _group(self, state: State) -> str:
        return self.chooser.group_body(state)

    def _desc(self, state: State) -> str:
        """The limit is said before the citizen types, and what is left of it after."""
        t, d = translator(state.lang), state.draft
        assert d is not None
        if state.arg == "more":
            left = MAX_DESCRIPTION - len(d.description) - 1
            head = t._("Add more: up to %(n)s letters:", n=left)
        else:
            head = t._("Describe it for %(inst)s (up to %(n)s letters):",
                       inst=self.directory.label(d.institution, state.lang), n=MAX_DESCRIPTION)
            if not d.leader:  # the SMS draft has no leader's mark: KIONGOZI by SMS instead
                head += "\n1 " + t._("Send it by SMS instead")
        return head + "\n" + footer(state.lang, False)

    def _desc_more(self, state: State) -> str:
        """"Add more" only while there is room; when full, how to add the rest by SMS."""
        t, d = translator(state.lang), state.draft
        assert d is not None
        if not has_room(d.description):
            return "\n".join([t._("Full at %(n)s letters. After sending, add the rest by SMS: "
                                  "ADD, the ref and your words.", n=MAX_DESCRIPTION),
                              "1 " + t._("Next: who is sending"), footer(state.lang, False)])
        return "\n".join([t._("You wrote %(n)s of %(max)s letters.", n=len(d.description),
                              max=MAX_DESCRIPTION),
                          "1 " + t._("Next: who is sending"), "2 " + t._("Add more"),
                          footer(state.lang, False)])

    def _identity(self, state: State) -> str:
        """A full description comes straight here (issue 21), so this screen says it is full;
        "0" goes back to the screen it skipped, whose "0" asks before the text is lost."""
        t, d = translator(state.lang), state.draft
        full = [t._("Full at %(n)s letters. To add more: SMS ADD.",
                    n=MAX_DESCRIPTION)] if d is not None and not has_room(d.description) else []
        return "\n".join([*full, t._("Who is sending?"), "1 " + t._("Known, with my number"),
                          "2 " + t._("Anonymous"), footer(state.lang, False)])

    def _sure(self, state: State) -> str:
        t = translator(state.lang)
        question = {"draft": t._("Delete this draft?"), "text": t._("Delete what you wrote?"),
                    "resume": t._("Delete the unsent draft and start again?")}[state.arg]
        return "\n".join([question, "1 " + t._("Yes, delete it"), "2 " + t._("No, keep it")])

    def _confirm_parts(self, state: State) -> tuple[str, str]:
        t, d = translator(state.lang), state.draft
        assert d is not None
        who = t._("anonymous") if d.anonymous else (d.name or t._("with your number"))
        tail = "\n".join([f"{MORE} " + t._("More"), "1 " + t._("Send"), "2 " + t._("Delete"),
                          footer(state.lang, False)])
        head = t._("%(kind)s to %(inst)s, %(who)s:", kind=kind_name(state.lang, d.kind),
                   inst=self.directory.label(d.institution, state.lang), who=preview(who, 24))
        return head, tail

    def confirm_pages(self, state: State) -> tuple[tuple[int, int], ...]:
        """The whole description in pages; the room kept for "98" makes them stable."""
        assert state.draft is not None
        head, tail = self._confirm_parts(state)
        return text_pages(state.draft.description, ROOM - len(head) - len(tail) - 2 - MARK,
                          ROOM - len(tail) - 1 - MARK)

    def _confirm(self, state: State) -> str:
        d = state.draft
        assert d is not None
        head, tail = self._confirm_parts(state)
        cut = self.confirm_pages(state)
        page = min(state.page, len(cut) - 1)
        start, stop = cut[page]
        mark = f"({page + 1}/{len(cut)}) " if len(cut) > 1 else ""
        if page + 1 >= len(cut):
            tail = tail.split("\n", 1)[1]  # no "98 More" on the last page
        text = f"{mark}{d.description[start:stop]}"
        return "\n".join([head, text, tail] if page == 0 else [text, tail])

    def _answer(self, state: State) -> str:
        return state.text

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
        if state.draft is not None and not has_room(state.draft.description):
            text = t._("Thank you. Ref %(ref)s; an SMS with it follows. To add more, SMS ADD "
                       "%(ref)s and your words.", ref=ref)
        else:
            text = t._("Thank you. Your reference number is %(ref)s. An SMS with it follows.",
                       ref=ref)
        return Screen(compose(state.lang, "", text), end=True)

    def _status_line(self, state: State, out: object, short: bool = False) -> str:
        t = translator(state.lang)
        status = getattr(out, "status", "")
        text = t._("%(ref)s: %(kind)s to %(inst)s, sent %(date)s. Status: %(status)s.",
                   ref=getattr(out, "reference", ""), kind=kind_name(state.lang,
                                                                   getattr(out, "kind", "")),
                   inst=self.directory.label(getattr(out, "institution", ""), state.lang),
                   date=getattr(out, "date", ""),
                   status=t._(texts.STATUSES.get(status, status)))
        up = getattr(out, "escalated_to", "")
        if up and short:  # above "98 Read the answer", the room for a name is gone
            text += "\n" + t._("Escalated (late).")
        elif up:
            name = t._("oversight") if up == "-" else self.directory.label(up, state.lang)
            text += "\n" + t._("Escalated to %(up)s (late).", up=name)
        return text

    def tracked(self, state: State, out: object) -> Screen:
        return Screen(compose(state.lang, "", self._status_line(state, out)), end=True)

    def answer_page(self, state: State, out: object, page: int) -> tuple[State, Screen]:
        """Page 0: the status; then a leader's directive and the whole answer, page by page
        (the sender only)."""
        t = translator(state.lang)
        pages = self._reading_pages(state, out)
        page = max(0, min(page, len(pages)))
        if page == 0:
            more = t._("Read the directive") if getattr(out, "directive", "") else t._(
                "Read the answer")
            body = "\n".join([self._status_line(state, out, short=True), f"{MORE} " + more,
                              footer(state.lang, False)])
        else:
            label, text, n, of = pages[page - 1]
            body = "\n".join([f"{label} ({n}/{of}): {text}", footer(state.lang, page < len(pages))])
        arg = f"{getattr(out, 'reference', '')}/{len(pages)}"
        if state.node == "answer":
            state = replace(state, page=page, arg=arg, error="", text=body)
        else:
            state = replace(state.go("answer", page, arg), text=body)
        return state, Screen(compose(state.lang, "", body))

    def _reading_pages(self, state: State, out: object) -> list[tuple[str, str, int, int]]:
        """(label, text, n, of) of each page after the status: the directive, then the answer.

        The status screen has no room left, so a leader's directive (its text only when
        the leader shared it: core.directives.citizen_notice) is read on pages of its own.
        """
        t = translator(state.lang)
        parts = [(t._("Leader"), getattr(out, "directive", "")),
                 (t._("Answer"), getattr(out, "answer", ""))]
        pages: list[tuple[str, str, int, int]] = []
        for label, text in parts:
            if not text:
                continue
            room = ROOM - len(label) - MARK - len(footer(state.lang, True)) - 3
            cut = text_pages(text, room, room)
            pages += [(label, text[a:b], n, len(cut)) for n, (a, b) in enumerate(cut, 1)]
        return pages
