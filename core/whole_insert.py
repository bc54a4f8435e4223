"""A citizen's submission on PostgreSQL as one statement: the number's lock, its rate
count, the feedback, its reference SMS and its two history entries.

What :func:`core.services.submit_feedback` otherwise does in five statements is one
of data-modifying CTEs here. Through the ORM those cost a submission more than twice
the CPU of the lean insert of the same rows, and the lock a statement and a round
trip of its own (issue 19). The lock comes first: the upsert of the number's
subscriber row (:func:`core.subscribers.lock_statement`). A statement reads with the
snapshot it started with, which a submission committed while it waited for the lock
is not in; so each window is counted by ``submissions_since`` (migration 0013), a
VOLATILE function, whose query takes a snapshot of its own when it runs on the
locked row: the count sees every submission from the number committed before.

The time is the database's (``now()``, the transaction's) unless the caller gives
one. A due date counts working days from the day of that time, which is known only
in the answer; so the caller reckons the due date from its own clock's day, and the
statement inserts only if the database's day is that day (``on_day``), else the
caller reckons again from the time the answer gives. The feedback is inserted only
where every window has room, and ``ON CONFLICT DO NOTHING`` leaves a taken
reference or submission key to the caller, as the ORM path does; the SMS row and
the history are written from the feedback's row, so nothing is written without it.
The answer is one row: each window's count, the feedback's id and the SMS's id
(both NULL if nothing was inserted), the time and ``on_day``.

SQLite has no data-modifying CTE: the embedded default keeps the statements apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Date,
    Interval,
    Select,
    String,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import class_mapper, make_transient_to_detached

from core.events import EventKind
from core.models import Event, Feedback, OutboundMessage, Subscriber, UTCDateTime, table_of
from core.status import CITIZEN_CHANNELS
from core.subscribers import lock_statement

EVENT_COLUMNS = ("feedback_id", "kind", "at", "officer_id", "actor", "data")
Row = TypeVar("Row")


def loaded(model: type[Row], values: Mapping[str, Any]) -> Row:
    """The row the statement wrote (``values``, its primary key among them) as the ORM
    would load it: detached, every given column loaded without history, the others
    expired. Set through the constructor, each column fired its change events only for
    the history to be thrown away again.
    """
    obj = class_mapper(model).class_manager.new_instance()
    obj.__dict__.update(values)  # the instance's dict is its loaded state
    make_transient_to_detached(obj)
    return obj


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
def statement(columns: tuple[str, ...], windows: int) -> Any:
    """Built once per column set and number of rate windows.

    Bound besides the feedback's ``columns`` (its ``created_at``, ``updated_at`` and
    ``due_at`` come from the clock): the lock's ``phone`` and ``language``; ``at``
    (the time, NULL for the database's), ``due_after`` (the interval from it to the
    due date) and ``on_day`` (the UTC day it was reckoned from); each window's
    ``window0``…, ``limit0``…;
    ``sms_phone``, ``sms_text``, ``sms_purpose``, and the created entry's
    ``ev_officer_id``, ``ev_actor`` and ``ev_data`` (the sms_queued entry is the
    system's, its data the message's id and purpose, as :func:`core.notify.queue_sms`
    writes it).
    """
    feedback, sms, event = table_of(Feedback), table_of(OutboundMessage), table_of(Event)
    clock = select(func.coalesce(bindparam("at", type_=UTCDateTime()), func.now())
                   .label("at")).cte("clock")
    at = clock.c.at
    on_day = cast(func.timezone("UTC", at), Date) == bindparam("on_day", type_=Date())
    due = at + bindparam("due_after", type_=Interval())
    names, row = _select(feedback, {
        **{c: bindparam(c, type_=feedback.c[c].type) for c in columns},
        "created_at": at, "updated_at": at, "due_at": due})
    locked = lock_statement().returning(table_of(Subscriber).c.phone).cte("locked")
    counted: Any = clock
    window, room = None, []
    if windows:
        window = _counts(clock, locked, windows).cte("counts")
        counted = clock.join(window, true())
        room = [window.c[f"n{n}"] < bindparam(f"limit{n}") for n in range(windows)]
    row = row.select_from(counted).where(on_day, *room)
    made = (pg_insert(feedback).from_select(names, row, include_defaults=False)
            .on_conflict_do_nothing().returning(feedback.c.id).cte("made"))
    with_clock = made.join(clock, true())
    names, row = _select(sms, {
        "phone": bindparam("sms_phone", type_=sms.c.phone.type),
        "text": bindparam("sms_text", type_=sms.c.text.type),
        "purpose": bindparam("sms_purpose", type_=sms.c.purpose.type),
        "feedback_id": made.c.id, "created_at": at})
    message = (insert(sms).from_select(names, row.select_from(with_clock),
                                       include_defaults=False)
               .returning(sms.c.id).cte("message"))
    entries = union_all(
        select(made.c.id, literal(EventKind.CREATED.value), at,
               bindparam("ev_officer_id", type_=event.c.officer_id.type),
               bindparam("ev_actor", type_=event.c.actor.type),
               bindparam("ev_data", type_=event.c.data.type)).select_from(with_clock),
        select(made.c.id, literal(EventKind.SMS_QUEUED.value), at, literal(None),
               literal("system"), func.json_build_object(
                   "message_id", message.c.id, "purpose", bindparam("sms_purpose"))
               ).select_from(with_clock.join(message, true())))
    history = insert(event).from_select(list(EVENT_COLUMNS), entries,
                                        include_defaults=False).cte("history")
    found = select(*(window.c if window is not None else ()),
                   made.c.id.label("feedback_id"), message.c.id.label("message_id"),
                   at.label("at"), on_day.label("on_day")).select_from(
        counted.outerjoin(made, true()).outerjoin(message, true()))
    return found.add_cte(locked, history)  # the lock runs whether or not it is counted


def _counts(clock: Any, locked: Any, windows: int) -> Any:
    """The number's citizen submissions in each window back from the clock's time
    (``n0``…), counted once its row is locked (``ix_feedback_phone``)."""
    channels = literal(list(CITIZEN_CHANNELS), type_=ARRAY(String()))
    return select(*(
        func.submissions_since(locked.c.phone,
                               clock.c.at - bindparam(f"window{n}", type_=Interval()),
                               channels, type_=BigInteger()).label(f"n{n}")
        for n in range(windows))).select_from(locked.join(clock, true()))
