"""0010_leaders2 fills in the first answer's working days for rows answered before it."""

from __future__ import annotations

from datetime import UTC, datetime

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
