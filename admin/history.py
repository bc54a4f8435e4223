"""A feedback's history as sentences with names, in the officer's language.

Events keep codes and ids (``institution: LGA-BAHI-DC``); an officer reads
"Received by SMS for Bahi District Council". Repeated "viewed" lines by one
officer, with nothing done by an officer in between, fold into one with a count.
Nothing of an anonymous submitter is ever in a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import EventKind
from core.i18n import N_, Translator
from core.labels import label
from core.localtime import local_text
from core.models import Event, Institution

PURPOSES = {
    "reference": N_("the reference"), "answer": N_("the answer"),
    "transferred": N_("news of the transfer"), "escalated": N_("news of the escalation"),
    "interim": N_("the interim reply"), "due_changed": N_("the new due date"),
    "reminder": N_("a reminder"), "draft_kept": N_("a kept draft"),
}
OTHER = N_("a message")
SYSTEM_KINDS = frozenset({EventKind.SMS_QUEUED, EventKind.SMS_SENT, EventKind.SMS_DELIVERED,
                          EventKind.SMS_FAILED, EventKind.VIEWED})


@dataclass
class Line:
    at: datetime
    text: str
    who: str
    count: int = 1


def _sentences() -> dict[str, Callable[[Translator, dict[str, Any]], str]]:
    """One sentence per event kind (core.events.EventKind's values); ``d`` holds the event's
    data with names resolved."""
    return {
        "created": lambda t, d: t._("Received by %(channel)s for %(inst)s.",
                                    channel=t._(label(d.get("channel", ""))), inst=d["inst"]),
        "viewed": lambda t, d: t._("Opened by %(who)s.", who=d["who"]),
        "status_changed": lambda t, d: t._("%(who)s changed the status from %(from)s to %(to)s.",
                                           who=d["who"], **{"from": d["from_label"],
                                                            "to": d["to_label"]}),
        "answered": lambda t, d: t._("%(who)s answered: %(text)s", who=d["who"],
                                     text=d.get("text", "")),
        "transferred": lambda t, d: t._("%(who)s transferred it from %(from)s to %(to)s: %(note)s",
                                        who=d["who"], note=d.get("note", ""),
                                        **{"from": d["from_inst"], "to": d["to_inst"]}),
        "rejected": lambda t, d: t._("%(who)s rejected it: %(reason)s", who=d["who"],
                                     reason=d.get("reason", "")),
        "closed": lambda t, d: t._("Closed by %(who)s.", who=d["who"]),
        "appealed": lambda t, d: t._("The citizen appealed to %(to)s: %(reason)s",
                                     to=d["to_inst"], reason=d.get("reason", "")),
        "rated": lambda t, d: t._("The citizen rated the answer %(rating)s of 5.",
                                  rating=d.get("rating", "")),
        "escalated": lambda t, d: t._("Overdue at %(from)s: raised to %(to)s.",
                                      **{"from": d["from_inst"], "to": d["to_inst"]}),
        "sms_queued": lambda t, d: t._("SMS with %(what)s queued for the citizen.",
                                       what=t._(PURPOSES.get(d.get("purpose", ""), OTHER))),
        "sms_sent": lambda t, d: t._("SMS sent to the citizen."),
        "sms_delivered": lambda t, d: t._("SMS delivered to the citizen."),
        "sms_failed": lambda t, d: t._("SMS to the citizen failed."),
        "personal_data_purged": lambda t, d: t._("The submitter's number and name were removed."),
        "assigned": lambda t, d: (t._("%(who)s took it.", who=d["who"])
                                  if d.get("to_name") == d["who"] else
                                  t._("%(who)s gave it to %(to)s.", who=d["who"],
                                      to=d.get("to_name") or "-")),
        "unassigned": lambda t, d: t._("%(who)s released it.", who=d["who"]),
        "note_added": lambda t, d: t._("%(who)s wrote an internal note.", who=d["who"]),
        "topic_set": lambda t, d: t._("%(who)s set the topic: %(topic)s.", who=d["who"],
                                      topic=d.get(f"name_{t.locale}") or "-"),
        "linked": lambda t, d: (t._("%(who)s linked it as a duplicate of %(ref)s.", who=d["who"],
                                    ref=d["original"]) if d.get("original") else
                                t._("%(who)s linked %(ref)s to it as a duplicate.", who=d["who"],
                                    ref=d.get("duplicate", "-"))),
        "due_changed": lambda t, d: t._("%(who)s moved the due date to %(to)s: %(reason)s",
                                        who=d["who"], to=d["to_day"], reason=d.get("reason", "")),
    }


SENTENCES = _sentences()


def _names(session: Session, events: Iterable[Event], locale: str) -> dict[str, str]:
    codes = {str(e.data.get(k)) for e in events for k in ("institution", "from", "to")
             if isinstance(e.data.get(k), str)}
    return {i.code: i.name(locale) for i in session.scalars(
        select(Institution).where(Institution.code.in_(codes)))} if codes else {}


def _facts(e: Event, t: Translator, names: dict[str, str]) -> dict[str, Any]:
    d: dict[str, Any] = dict(e.data or {})
    d["who"] = e.actor if e.officer_id else t._("the system")
    d["inst"] = names.get(str(d.get("institution")), str(d.get("institution", "-")))
    for key in ("from", "to"):
        value = d.get(key)
        d[f"{key}_inst"] = (names.get(value, value) if isinstance(value, str)
                            else t._("oversight") if value is None else str(value))
        d[f"{key}_label"] = t._(label(str(value))) if value else "-"
    due_changed = e.kind == EventKind.DUE_CHANGED
    d["to_day"] = local_text(_parse(d.get("to")), "%Y-%m-%d") if due_changed else ""
    return d


def _parse(raw: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw))
    except ValueError:
        return None


def lines(session: Session, events: list[Event], t: Translator) -> list[Line]:
    """The history as sentences, oldest first, repeated views folded."""
    names = _names(session, events, t.locale)
    out: list[Line] = []
    last_view: dict[int | None, Line] = {}
    for e in events:
        if e.kind == EventKind.VIEWED and e.officer_id in last_view:
            seen = last_view[e.officer_id]
            seen.count, seen.at = seen.count + 1, e.at
            continue
        if e.kind not in SYSTEM_KINDS:
            last_view.clear()  # an action in between: the next view is news again
        make = SENTENCES.get(e.kind)
        text = make(t, _facts(e, t, names)) if make else t._(label(e.kind))
        line = Line(e.at, text, e.actor if e.officer_id else "")
        out.append(line)
        if e.kind == EventKind.VIEWED:
            last_view[e.officer_id] = line
    return out
