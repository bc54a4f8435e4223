"""0010_leaders2 fills in the first answer's working days for rows answered before it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from core.answer_time import first_answer
from infra.migrate import upgrade

CREATED = datetime(2026, 11, 20, 9, tzinfo=UTC)      # a Friday
DUE = datetime(2026, 12, 1, 9, tzinfo=UTC)
ANSWERED = datetime(2026, 12, 3, 9, tzinfo=UTC)      # late


def test_rows_answered_before_the_revision_get_their_days(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0009_desk")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO institution (code, kind, name_sw, name_en, short_names, "
                          "short_sw, short_en) VALUES ('TRA', 'agency', 'Mamlaka', 'Authority', "
                          "'', '', '')"))
        for ref, answered in (("1000000001", ANSWERED), ("1000000002", None)):
            conn.execute(text(
                "INSERT INTO feedback (reference, kind, channel, institution_id, description, "
                "anonymous, language, status, sensitive, created_at, updated_at, due_at, "
                "answered_at, escalated) VALUES (:ref, 'complaint', 'sms', 1, 'maji', 0, 'sw', "
                ":status, 0, :created, :created, :due, :answered, 0)"),
                {"ref": ref, "status": "answered" if answered else "received",
                 "created": CREATED, "due": DUE, "answered": answered})
    upgrade(url)
    with engine.connect() as conn:
        rows = {ref: tuple(rest) for ref, *rest in conn.execute(text(
            "SELECT reference, answer_days, on_time, to_leader FROM feedback"))}
    days, on_time = first_answer(CREATED, DUE, ANSWERED)
    assert (days, on_time) == (9, False)
    assert rows == {"1000000001": (9, 0, 0), "1000000002": (None, None, 0)}
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request, tmp_path, database_url: str) -> Iterator[str]:
    """A database at 0009: a file on SQLite; on PostgreSQL (when the suite runs on it) a
    schema of its own, dropped after, so the suite's own tables are never touched."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not database_url.startswith("postgresql"):
        pytest.skip("the suite runs on SQLite")
    schema = f"leaders2_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{database_url}{'&' if '?' in database_url else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_the_set_based_fill_counts_as_core_answer_time_does(old_url: str) -> None:
    """The fill reads a running count of working days (SQLite: an UPDATE; PostgreSQL: a
    rewrite): the same days as the Python loop for weekends, Tanzanian holidays, local
    midnight (UTC+3), the same day, no due date, and a clock that put the answer first."""
    url = old_url
    upgrade(url, "0009_desk")
    engine = create_engine(url)
    created = [datetime(2026, 12, 4, 21, 30, tzinfo=UTC),   # Saturday 00:30 in Dar es Salaam
               datetime(2026, 12, 7, 21, 30, tzinfo=UTC),   # Tuesday 00:30 there, Monday in UTC
               datetime(2026, 12, 8, 9, tzinfo=UTC), datetime(2026, 12, 24, 20, 59, tzinfo=UTC),
               datetime(2025, 12, 31, 12, tzinfo=UTC)]
    answered_after = [timedelta(0), timedelta(hours=3), timedelta(days=1), timedelta(days=3),
                      timedelta(days=9, hours=5), timedelta(days=40), timedelta(days=-2)]
    cases = [(c, c + a, due) for c in created for a in answered_after
             for due in (None, c + timedelta(days=3))]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO institution (code, kind, name_sw, name_en, short_names, "
                          "short_sw, short_en) VALUES ('TRA', 'agency', 'Mamlaka', 'Authority', "
                          "'', '', '')"))
        tra = conn.execute(text("SELECT id FROM institution")).scalar_one()
        for n, (made, answered, due) in enumerate(cases):
            conn.execute(text(
                "INSERT INTO feedback (reference, kind, channel, institution_id, description, "
                "anonymous, language, status, sensitive, created_at, updated_at, due_at, "
                "answered_at, escalated) VALUES (:ref, 'complaint', 'sms', :tra, 'maji', false, "
                "'sw', 'answered', false, :created, :created, :due, :answered, false)"),
                {"ref": f"{2000000000 + n}", "created": made, "due": due, "answered": answered,
                 "tra": tra})
        conn.execute(text("INSERT INTO feedback (reference, kind, channel, institution_id, "
                          "description, anonymous, language, status, sensitive, created_at, "
                          "updated_at, escalated) VALUES ('2999999999', 'complaint', 'sms', "
                          ":tra, 'maji', false, 'sw', 'received', false, :at, :at, false)"),
                     {"tra": tra, "at": created[0]})
    upgrade(url)
    with engine.connect() as conn:
        got = {int(ref) - 2000000000: (days, bool(on_time)) for ref, days, on_time in
               conn.execute(text("SELECT reference, answer_days, on_time FROM feedback"))}
    assert got.pop(999999999) == (None, False)  # never answered: left empty (NULL)
    assert got == {n: first_answer(made, due, answered)
                   for n, (made, answered, due) in enumerate(cases)}
    assert len({days for days, _ in got.values()}) > 5
    engine.dispose()
