"""A citizen's submission as one statement on PostgreSQL, after the number's lock.

What :func:`core.services.submit_feedback` otherwise does in four statements, the
number's rate count, the feedback, its reference SMS and its two history entries, is
one statement of data-modifying CTEs here. Through the ORM those four cost a
submission more than twice the CPU of the lean insert of the same rows (issue 19).

The statement runs after :func:`core.subscribers.claim_number` has locked the
number, so its one snapshot sees every submission from the number that was
committed before: the count is exact. The feedback is inserted only where every
window has room, and ``ON CONFLICT DO NOTHING`` leaves a taken reference or
submission key to the caller, as the ORM path does; the SMS row and the history
are written from the feedback's row, so nothing is written without it. The answer
is one row: each window's count, the feedback's id and the SMS's id (both NULL if
nothing was inserted).

SQLite has no data-modifying CTE: the embedded default keeps the four statements.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, literal, select, true, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert

from core.events import EventKind
from core.models import Event, Feedback, OutboundMessage, table_of

EVENT_COLUMNS = ("feedback_id", "kind", "at", "officer_id", "actor", "data")


def _select(table: Any, columns: dict[str, Any]) -> tuple[list[str], Select[Any]]:
    """The names and the SELECT of an INSERT … SELECT of ``columns`` (name → expression)
    and the table's other scalar defaults, as literals: ``from_select``'s own defaults
    are bound under the column's name, which another table's column may share."""
    given = {**columns, **{name: literal(value, type_=table.c[name].type)
                           for name, value in defaults(table, tuple(columns)).items()}}
    return list(given), select(*given.values())


@lru_cache(maxsize=16)
def defaults(table: Any, columns: tuple[str, ...]) -> Mapping[str, Any]:
    """The scalar defaults of ``table``'s columns not among ``columns``: what an ORM
    insert writes for them (a callable default is the caller's to give)."""
    return {c.name: c.default.arg for c in table.c
            if c.name not in columns and c.default is not None and c.default.is_scalar}


@lru_cache(maxsize=16)
def statement(columns: tuple[str, ...], counts: Select[Any] | None) -> Any:
    """Built once per column set and rate query (``counts``, one labelled column per
    window, ``n0``, ``n1``…, each compared with the bound ``limit0``, ``limit1``…).

    Bound besides the feedback's ``columns``: ``sms_phone``, ``sms_text``,
    ``sms_purpose``, and the created entry's ``ev_at``, ``ev_officer_id``,
    ``ev_actor`` and ``ev_data`` (the sms_queued entry is the system's, its data
    the message's id and purpose, as :func:`core.notify.queue_sms` writes it).
    """
    feedback, sms, event = table_of(Feedback), table_of(OutboundMessage), table_of(Event)
    names, row = _select(feedback, {c: bindparam(c, type_=feedback.c[c].type) for c in columns})
    window = None
    if counts is not None:
        window = counts.cte("counts")
        row = row.select_from(window).where(*(
            window.c[name] < bindparam(f"limit{n}")
            for n, name in enumerate(c.name for c in counts.selected_columns)))
    made = (pg_insert(feedback).from_select(names, row, include_defaults=False)
            .on_conflict_do_nothing().returning(feedback.c.id).cte("made"))
    at = bindparam("ev_at", type_=event.c.at.type)
    names, row = _select(sms, {
        "phone": bindparam("sms_phone", type_=sms.c.phone.type),
        "text": bindparam("sms_text", type_=sms.c.text.type),
        "purpose": bindparam("sms_purpose", type_=sms.c.purpose.type),
        "feedback_id": made.c.id, "created_at": at})
    message = (insert(sms).from_select(names, row.select_from(made), include_defaults=False)
               .returning(sms.c.id).cte("message"))
    entries = union_all(
        select(made.c.id, literal(EventKind.CREATED.value), at,
               bindparam("ev_officer_id", type_=event.c.officer_id.type),
               bindparam("ev_actor", type_=event.c.actor.type),
               bindparam("ev_data", type_=event.c.data.type)).select_from(made),
        select(made.c.id, literal(EventKind.SMS_QUEUED.value), at, literal(None),
               literal("system"), func.json_build_object(
                   "message_id", message.c.id, "purpose", bindparam("sms_purpose"))
               ).select_from(made.join(message, true())))
    history = insert(event).from_select(list(EVENT_COLUMNS), entries,
                                        include_defaults=False).cte("history")
    ids = (made.c.id.label("feedback_id"), message.c.id.label("message_id"))
    if window is None:
        found = select(*ids).select_from(made.outerjoin(message, true()))
    else:
        found = select(*window.c, *ids).select_from(
            window.outerjoin(made, true()).outerjoin(message, true()))
    return found.add_cte(history)
