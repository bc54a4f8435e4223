"""The e-Mrejesho tree as a pure state machine: ``step(state, input) -> (state, screen)``.

No I/O happens here: the directory snapshot comes in, and whatever needs the
database (submit, track, appeal, language) is returned as an effect that the
channel runs before calling :meth:`Menu.finish` with the outcome. That keeps
every screen reachable from a test without a server, and a hop fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.directory import Directory
from core.errors import InvalidReference
from core.i18n import translator
from core.references import parse_reference
from core.rights import clean_words
from menus import texts
from menus.choose import FIRST_REGION_CHOICE
from menus.screens import (
    BACK,
    HOME,
    MAX_DESCRIPTION,
    MIN_TEXT,
    MORE,
    Screen,
    compose,
    has_room,
    kind_name,
    list_body,
    page_count,
    pick,
)
from menus.state import Draft, State, new_draft_key, replace

MAX_NAME = 40
MAX_LETTERS = 20
BY_SMS = "1"   # on the description prompt: the text will come by SMS (issue 21)
FLOW = frozenset({"group", "regions", "index", "list", "search", "desc", "desc_more",
                  "identity", "name", "confirm", "by_sms"})
TEXT_NODES = frozenset({"search", "desc", "name", "track", "appeal", "reason"})
# "0" here would throw away what the citizen wrote: it asks once first.
ASK_BEFORE_BACK = frozenset({"desc_more"})
GROUPS = {"1": "ministry", "2": "agency"}
# Sema na Kiongozi (issue 16): home item 9, the level, then the ministries' list, or runs of
# regions (3), a run's regions (4) and, for a district, the region's DC offices (5).
LEADER_ITEM = "9"
LEADER_LEVELS = {"1": "national", "2": "regional", "3": "district"}
BY_REGION = frozenset({"regional", "district"})
LEADER_KIND = "complaint"


@dataclass(frozen=True)
class Outcome:
    """What an effect returned: ``code`` empty on success."""

    code: str = ""
    reference: str = ""
    kind: str = ""
    institution: str = ""
    status: str = ""
    date: str = ""
    answer: str = ""          # only for the number that sent it
    escalated_to: str = ""    # the code it was raised to ("-": oversight), for that number only
    directive: str = ""       # a leader's directive, as the sender may read it (that number only)
    sms_code: str = ""        # a draft completed by SMS: its code, and the number to send to
    to: str = ""


Handler = Callable[[State, str], tuple[State, Screen]]


class Menu:
    """The tree over one directory snapshot; safe to share between threads."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        from menus.render import Renderer

        self.renderer = Renderer(directory)
        self._handlers: dict[str, Handler] = {
            "root": self._root, "gov": self._gov, "home": self._home, "resume": self._resume,
            "group": self._group, "index": self._index, "list": self._list,
            "search": self._search,
            "desc": self._desc, "desc_more": self._desc_more, "identity": self._identity,
            "name": self._name, "confirm": self._confirm, "track": self._track,
            "appeal": self._appeal, "reason": self._reason, "lang": self._lang,
            "sure": self._sure, "answer": self._answer, "by_sms": self._by_sms,
            "leader": self._leader, "regions": self._regions}

    # -- the machine ------------------------------------------------------------------
    def step(self, state: State, raw: str) -> tuple[State, Screen]:
        choice = raw.strip()
        if choice == HOME:
            state, screen = self.home(state)
        elif choice == BACK and state.node in ASK_BEFORE_BACK:
            state, screen = self._go(replace(state, error=""), "sure", 0, "text")
        elif choice == BACK and state.back and state.node != "answer":
            node, page, arg = state.back[-1]
            state = replace(state, node=node, page=page, arg=arg, back=state.back[:-1], error="")
            state, screen = state, self.show(state)
        else:
            state, screen = self._handlers[state.node](replace(state, error=""), choice)
        return self._track_draft(state), screen

    def show(self, state: State) -> Screen:
        return Screen(compose(state.lang, state.error, self.renderer.body(state)))

    def home(self, state: State) -> tuple[State, Screen]:
        base = (("root", 0, ""), ("gov", 0, ""))
        node = "resume" if state.offer and state.draft is not None else "home"
        state = replace(state, node=node, page=0, arg="", back=base, error="")
        return state, self.show(state)

    def _again(self, state: State, reason: str) -> tuple[State, Screen]:
        state = replace(state, error=reason)
        return state, self.show(state)

    def _go(self, state: State, node: str, page: int = 0, arg: str = "",
            push: bool = True) -> tuple[State, Screen]:
        state = state.go(node, page, arg, push)
        return state, self.show(state)

    def _track_draft(self, state: State) -> State:
        """Keep where the citizen is in the draft, so a redial can continue there."""
        if state.draft is None or state.node not in FLOW:
            return state
        draft = replace(state.draft, node=state.node, page=state.page, arg=state.arg)
        return replace(state, draft=draft)

    # -- menus ------------------------------------------------------------------------
    def _root(self, state: State, choice: str) -> tuple[State, Screen]:
        return self._go(state, "gov") if choice == "9" else self._again(state, texts.INVALID_CHOICE)

    def _gov(self, state: State, choice: str) -> tuple[State, Screen]:
        return self.home(state) if choice == "2" else self._again(state, texts.INVALID_CHOICE)

    def _home(self, state: State, choice: str) -> tuple[State, Screen]:
        if choice in ("1", "2", "3", "4", "5"):
            kind = texts.KIND_ORDER[int(choice) - 1]
            draft = Draft(kind=kind, key=new_draft_key())
            return self._go(replace(state, draft=draft, offer=False), "group")
        target = {"6": "track", "7": "appeal", "8": "lang", LEADER_ITEM: "leader"}.get(choice)
        return self._go(state, target) if target else self._again(state, texts.INVALID_CHOICE)

    def _resume(self, state: State, choice: str) -> tuple[State, Screen]:
        if choice == "1" and state.draft is not None:
            d = state.draft
            back = (("root", 0, ""), ("gov", 0, ""), ("home", 0, ""))
            state = replace(state, node=d.node, page=d.page, arg=d.arg, back=back, offer=False)
            return state, self.show(state)
        if choice == "2":
            return self._go(state, "sure", 0, "resume")
        return self._again(state, texts.INVALID_CHOICE)

    def _sure(self, state: State, choice: str) -> tuple[State, Screen]:
        """The one question before a draft or its text is thrown away: 1 yes, 2 no."""
        if choice == "2":
            return self.step(state, BACK)
        if choice != "1":
            return self._again(state, texts.INVALID_CHOICE)
        if state.arg == "draft":
            t = translator(state.lang)
            return replace(state, draft=None), Screen(t._("Your draft is deleted."), end=True)
        if state.arg == "resume":
            return self.home(replace(state, draft=None, offer=False))
        assert state.draft is not None  # "text": write the description again
        starts = [i for i, f in enumerate(state.back) if f[0] == "desc" and not f[2]]
        back = state.back[:starts[-1]] if starts else state.back[:-1]
        draft = replace(state.draft, description="")
        return self._go(replace(state, draft=draft, back=back), "desc", 0, "", push=False)

    def _leader(self, state: State, choice: str) -> tuple[State, Screen]:
        """Sema na Kiongozi: the level picks the list of leaders' offices to choose from."""
        if choice not in LEADER_LEVELS:
            return self._again(state, texts.INVALID_CHOICE)
        level = LEADER_LEVELS[choice]
        state = replace(state, draft=Draft(kind=LEADER_KIND, key=new_draft_key(), leader=level),
                        offer=False)
        return self._go(state, "regions") if level in BY_REGION else self._open_group(
            state, "ministry")

    def _regions(self, state: State, choice: str) -> tuple[State, Screen]:
        """A run of regions, as the group screen's: one screen, whatever the language."""
        run = int(choice) - 1 if choice.isdigit() else -1
        if 0 <= run < len(self.renderer.chooser.region_runs()):
            return self._go(state, "list", 0, f"R:{run}")
        return self._again(state, texts.INVALID_CHOICE)

    def _open_group(self, state: State, group: str) -> tuple[State, Screen]:
        """A whole group's list where it fits two pages, else its screen of letter ranges."""
        if self.renderer.chooser.group_fits(state.lang, group):
            return self._go(state, "list", 0, "g:" + group)
        return self._go(state, "index", 0, group)

    def _group(self, state: State, choice: str) -> tuple[State, Screen]:
        chooser = self.renderer.chooser
        if choice in GROUPS:
            return self._open_group(state, GROUPS[choice])
        if choice == "3":
            return self._go(state, "search")
        if choice == "4" and self.directory.triage:
            return self._chosen(state, self.directory.triage)
        run = int(choice) - FIRST_REGION_CHOICE if choice.isdigit() else -1
        if 0 <= run < len(chooser.region_runs()):
            return self._go(state, "list", 0, f"R:{run}")
        if any(ch.isalpha() for ch in choice):  # letters typed here: search at once
            return self._search(state.go("search"), choice)
        return self._again(state, texts.INVALID_CHOICE)

    def _index(self, state: State, choice: str) -> tuple[State, Screen]:
        n = int(choice) if choice.isdigit() else 0
        if 1 <= n <= len(self.renderer.chooser.runs(state.lang, state.arg)):
            return self._go(state, "list", 0, f"b:{state.arg}:{n - 1}")
        return self._again(state, texts.INVALID_CHOICE)

    def _list(self, state: State, choice: str) -> tuple[State, Screen]:
        title, codes = self.renderer.list_items(state)
        labels = self.renderer.labels(state.lang, state.arg, codes)
        if choice == MORE:
            if state.page + 1 >= page_count(state.lang, title, labels):
                return self._again(state, texts.NO_MORE)
            return self._go(state, "list", state.page + 1, state.arg)
        index = pick(state.lang, title, labels, state.page, choice)
        if index is None:
            return self._again(state, texts.INVALID_CHOICE)
        leader = state.draft.leader if state.draft is not None else ""
        if leader in BY_REGION and state.arg[:2] in ("R:", "b:", "g:"):  # b:, g: a kept draft
            return self._leader_region(state, codes[index])
        opens = self.renderer.chooser.opens(state.arg, codes[index])
        if opens:
            return self._go(state, "list", 0, opens)
        return self._chosen(state, codes[index])

    def _leader_region(self, state: State, region: str) -> tuple[State, Screen]:
        """The regional commissioner's office (a region's code), or the region's DC offices."""
        assert state.draft is not None
        if state.draft.leader == "district":
            return self._go(state, "list", 0, "d:" + region)
        return self._chosen(state, region)

    def _chosen(self, state: State, code: str) -> tuple[State, Screen]:
        assert state.draft is not None
        return self._go(replace(state, draft=replace(state.draft, institution=code)), "desc")

    def _search(self, state: State, choice: str) -> tuple[State, Screen]:
        letters = clean_words(choice)[:MAX_LETTERS]
        if len(letters) < 2:
            return self._again(state, texts.TOO_SHORT)
        if not self.directory.search(letters, state.lang):
            return self._again(state, texts.NO_MATCH)
        return self._go(state, "list", 0, "q:" + letters)

    # -- free text ----------------------------------------------------------------------
    def _desc(self, state: State, text: str) -> tuple[State, Screen]:
        """Take the text whole or refuse it: the limit is on the screen, nothing is cut."""
        assert state.draft is not None
        clean = clean_words(text)
        if clean == BY_SMS and state.arg != "more" and not state.draft.leader:
            return self._go(state, "by_sms")
        if len(clean) < MIN_TEXT:
            return self._again(state, texts.TOO_SHORT)
        old = state.draft.description if state.arg == "more" else ""
        joined = f"{old} {clean}".strip()
        if len(joined) > MAX_DESCRIPTION:
            return self._again(state, texts.DESC_TOO_LONG)
        state = replace(state, draft=replace(state.draft, description=joined))
        if not has_room(joined):  # "add more" is gone: only "go on" was left to ask
            return self._go(state.go("desc_more"), "identity")
        return self._go(state, "desc_more")

    def _desc_more(self, state: State, choice: str) -> tuple[State, Screen]:
        assert state.draft is not None
        if choice == "1":
            return self._go(state, "identity")
        if choice == "2" and has_room(state.draft.description):
            return self._go(state, "desc", 0, "more")
        reason = texts.DESC_FULL if choice == "2" else texts.INVALID_CHOICE
        return self._again(state, reason)

    def _identity(self, state: State, choice: str) -> tuple[State, Screen]:
        assert state.draft is not None
        if choice == "1":
            draft = replace(state.draft, anonymous=False, named=True)
            return self._go(replace(state, draft=draft), "name")
        if choice == "2":
            draft = replace(state.draft, anonymous=True, named=False, name="")
            return self._go(replace(state, draft=draft), "confirm")
        return self._again(state, texts.INVALID_CHOICE)

    def _by_sms(self, state: State, choice: str) -> tuple[State, Screen]:
        """The description will come by SMS: only who is sending is left to ask."""
        if choice in ("1", "2"):
            return state, Screen("", effect=("sms_draft", "1" if choice == "2" else ""))
        return self._again(state, texts.INVALID_CHOICE)

    def _name(self, state: State, text: str) -> tuple[State, Screen]:
        assert state.draft is not None
        clean = clean_words(text)
        if clean == "1":
            clean = ""
        elif len(clean) < 2:
            return self._again(state, texts.TOO_SHORT)
        elif len(clean) > MAX_NAME:
            return self._again(state, texts.TOO_LONG)
        return self._go(replace(state, draft=replace(state.draft, name=clean)), "confirm")

    def _confirm(self, state: State, choice: str) -> tuple[State, Screen]:
        """Send, delete (asked once), or page through the whole text before sending."""
        if choice == "1":
            return state, Screen("", effect=("submit",))
        if choice == "2":
            return self._go(state, "sure", 0, "draft")
        if choice == MORE:
            if state.page + 1 >= len(self.renderer.confirm_pages(state)):
                return self._again(state, texts.NO_MORE)
            return self._go(state, "confirm", state.page + 1)
        return self._again(state, texts.INVALID_CHOICE)

    def _reference(self, state: State, text: str) -> str | None:
        try:
            return parse_reference(text)
        except InvalidReference:
            return None

    def _track(self, state: State, text: str) -> tuple[State, Screen]:
        ref = self._reference(state, text)
        if ref is None:
            return self._again(state, texts.BAD_REFERENCE)
        return replace(state, arg=ref), Screen("", effect=("track", ref))

    def _appeal(self, state: State, text: str) -> tuple[State, Screen]:
        ref = self._reference(state, text)
        if ref is None:
            return self._again(state, texts.BAD_REFERENCE)
        return self._go(state, "reason", 0, ref)

    def _answer(self, state: State, choice: str) -> tuple[State, Screen]:
        """Pages of the answer, read again from the database: too long to keep in a session."""
        ref, _, pages = state.arg.partition("/")
        if choice == MORE and state.page < int(pages or 0):
            return state, Screen("", effect=("track", ref, str(state.page + 1)))
        if choice == BACK:
            if state.page > 0:
                return state, Screen("", effect=("track", ref, str(state.page - 1)))
            node, page, arg = state.back[-1] if state.back else ("track", 0, "")
            state = replace(state, node=node, page=page, arg=arg, back=state.back[:-1], text="")
            return state, self.show(state)
        return self._again(state, texts.NO_MORE if choice == MORE else texts.INVALID_CHOICE)

    def _reason(self, state: State, text: str) -> tuple[State, Screen]:
        clean = clean_words(text)
        if len(clean) < MIN_TEXT:
            return self._again(state, texts.TOO_SHORT)
        return state, Screen("", effect=("appeal", state.arg, clean[:MAX_DESCRIPTION]))

    def _lang(self, state: State, choice: str) -> tuple[State, Screen]:
        lang = {"1": "sw", "2": "en"}.get(choice)
        if lang is None:
            return self._again(state, texts.INVALID_CHOICE)
        return state, Screen("", effect=("language", lang))

    # -- after an effect ----------------------------------------------------------------
    def finish(self, state: State, effect: tuple[str, ...], out: Outcome) -> tuple[State, Screen]:
        """The screen that follows an effect the channel ran, given what it returned."""
        name = effect[0]
        if name == "language" and not out.code:
            state, screen = self.home(replace(state, lang=effect[1], offer=False))
            return self._again(state, texts.LANGUAGE_SET)
        if name == "track" and out.code in ("unknown_feedback", "invalid_reference"):
            return self._again(state, texts.UNKNOWN_REFERENCE)
        t = translator(state.lang)
        if out.code:
            message = texts.ERRORS.get(out.code, texts.GENERIC_ERROR)
            return state, Screen(compose(state.lang, "", t._(message)), end=True)
        if name == "submit":
            return replace(state, draft=None), self.renderer.submitted(state, out)
        if name == "track" and (out.answer or out.directive):
            page = int(effect[2]) if len(effect) > 2 else 0
            return self.renderer.answer_page(state, out, page)
        if name == "sms_draft":  # the draft now waits in the SMS channel, not for a redial
            return replace(state, draft=None), self.renderer.awaiting_sms(state, out)
        if name == "track":
            return state, self.renderer.tracked(state, out)
        return state, Screen(compose(state.lang, "", t._(
            "Your appeal on %(ref)s is received; the next level will answer it.",
            ref=effect[1])), end=True)

    def apology(self, lang: str, message: str = texts.APOLOGY) -> Screen:
        return apology(lang, message)

    def kind_name(self, lang: str, kind: str) -> str:
        return kind_name(lang, kind)


def apology(lang: str, message: str = texts.APOLOGY) -> Screen:
    """An END screen for when the service itself failed; needs no directory."""
    return Screen(compose(lang, "", translator(lang)._(message)), end=True)


__all__ = ["MAX_DESCRIPTION", "MIN_TEXT", "Menu", "Outcome", "apology", "has_room", "list_body"]

