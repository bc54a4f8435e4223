"""The dashboard read from the feedback tally equals the dashboard counted from the rows.

Every way a feedback row changes — the services, the escalation job, a bulk
UPDATE, a DELETE in SQL — goes through the triggers of migration 0003; the
reference below counts the rows themselves, so any change the tally missed
shows up as a difference, before and after squashing.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.orm import Session

from core import queries, services, tally
from core.accountability import escalate_feedback
from core.institutions import SHIPPED_CSV, import_file
from core.models import Feedback, FeedbackTally, Institution, OutboundMessage
from core.scope import in_scope
from core.status import OPEN_STATUSES
from infra.migrate import alembic_config

OPEN = {s.value for s in OPEN_STATUSES}
PHONE = "0712345678"


def counted(session: Session, officer: Any, now: datetime, days: int = 90) -> dict[str, Any]:
    """The dashboard's figures, from every feedback row in the officer's scope."""
    rows = [f for f in session.scalars(select(Feedback)) if in_scope(session, officer, f)]
    today = now.date()
    start = today - timedelta(days=days - 1)
    recent = [f for f in rows if start <= f.created_at.date() <= today]
    answered = [f for f in recent if f.answered_at]
    closed = [f for f in recent if f.status == "closed" and f.closed_at]
    per_inst: dict[int, list[int]] = {}
    for f in recent:
        acc = per_inst.setdefault(f.institution_id, [0, 0, 0])
        acc[0] += 1
        if f.rating is not None:
            acc[1] += f.rating
            acc[2] += 1
    per_day = Counter(f.created_at.date() for f in recent)
    return {
        "by_status": dict(Counter(f.status for f in rows)),
        "overdue": sum(1 for f in rows if f.status in OPEN and f.due_at and f.due_at < now),
        "by_kind": dict(Counter(f.kind for f in recent)),
        "by_institution": {i: (a[0], a[1] / a[2] if a[2] else None)
                           for i, a in per_inst.items()},
        "hours_to_answer": _hours([f.answered_at - f.created_at for f in answered]),
        "hours_to_close": _hours([f.closed_at - f.created_at for f in closed]),
        "per_day": [(start + timedelta(days=i), per_day.get(start + timedelta(days=i), 0))
                    for i in range(days)],
    }


def _hours(spans: list[timedelta]) -> float | None:
    return sum(s.total_seconds() for s in spans) / len(spans) / 3600 if spans else None


def tallied(session: Session, officer: Any, now: datetime) -> dict[str, Any]:
    board = queries.dashboard(session, officer, now)
    return {
        "by_status": board.by_status, "overdue": board.overdue, "by_kind": board.by_kind,
        "by_institution": {i: (n, r) for i, n, r in board.by_institution},
        "hours_to_answer": board.hours_to_answer, "hours_to_close": board.hours_to_close,
        "per_day": board.per_day,
    }


def assert_same(session: Session, officers: list[Any], now: datetime) -> None:
    session.expire_all()
    for officer in officers:
        got, want = tallied(session, officer, now), counted(session, officer, now)
        for name in ("hours_to_answer", "hours_to_close"):
            assert got.pop(name) == pytest.approx(want.pop(name)), (officer.role, name)
        for inst, (n, rating) in want.pop("by_institution").items():
            assert got["by_institution"].pop(inst) == (n, pytest.approx(rating))
        assert got.pop("by_institution") == {}
        assert got == want, officer.role


@pytest.fixture
def submit(session: Session):
    def make(when: datetime, code: str = "TRA", kind: str = "complaint") -> Feedback:
        fb = services.submit_feedback(session, services.Submission(
            kind=kind, channel="walk-in", institution_code=code,
            description="Nimesubiri TIN kwa wiki tatu", phone=PHONE), now=when)
        session.commit()
        return fb
    return make


def test_every_change_is_tallied_before_and_after_squashing(session, make_officer,
                                                            submit) -> None:
    now = datetime.combine(date.today(), time(12), UTC)  # day edges fixed, whatever the hour
    tra = session.scalar(select(Institution).where(Institution.code == "TRA"))
    sibling = session.scalar(select(Institution).where(
        Institution.parent_id == tra.parent_id, Institution.id != tra.id))
    officer, other = make_officer("TRA"), make_officer("TRA")
    head = make_officer(tra.parent.code, role="head")
    oversight = make_officer("TRA", role="oversight")
    sibling_officer = make_officer(sibling.code)
    everyone = [officer, head, oversight, sibling_officer]
    days = [now - timedelta(days=d, hours=h) for d, h in
            ((90, 1), (89, 1), (40, 5), (12, 3), (2, 7), (0, 0))]
    made = [submit(when, kind=kind) for when, kind in zip(
        days, ("complaint", "inquiry", "suggestion", "complaint", "opinion", "compliment"),
        strict=True)]
    made.append(submit(days[3], code=sibling.code))
    assert_same(session, everyone, now)

    old, mid, recent, today = made[1], made[2], made[3], made[5]
    services.start_feedback(session, old, officer, now=days[1] + timedelta(hours=2))
    services.answer_feedback(session, old, officer, "Imeshughulikiwa, asante.",
                             now=days[1] + timedelta(days=3))
    services.rate_feedback(session, old, PHONE, 2, now=days[1] + timedelta(days=4))
    services.appeal_feedback(session, old, PHONE, "Jibu halijanisaidia kabisa",
                             now=days[1] + timedelta(days=4))
    services.answer_feedback(session, mid, officer, "Tumepokea wazo lako.",
                             now=days[2] + timedelta(days=1))
    services.close_feedback(session, mid, officer, now=days[2] + timedelta(days=2))
    services.transfer_feedback(session, recent, officer, sibling.code,
                               "Hili ni la taasisi nyingine", now=days[3] + timedelta(hours=1))
    services.reject_feedback(session, today, other, "Ujumbe usiohusika", now=now)
    escalate_feedback(session, made[4], now)
    session.commit()
    assert_same(session, everyone, now)

    assert tally.squash(session.get_bind()) > 0
    keys = session.execute(text(
        "SELECT count(*), count(DISTINCT facet || institution_id || appeal_institution_id "
        "|| kind || status || day || escalated) FROM feedback_tally")).one()
    assert keys[0] == keys[1]
    assert tally.squash(session.get_bind()) == 0
    assert_same(session, everyone, now)

    # Writes that bypass the services: a bulk UPDATE and a DELETE in SQL.
    session.execute(update(Feedback).where(Feedback.id == made[0].id).values(
        kind="inquiry", created_at=now - timedelta(days=3)))
    session.execute(update(Feedback).where(Feedback.id == made[6].id).values(
        due_at=now - timedelta(minutes=1)))
    gone = made[2].id
    session.execute(delete(OutboundMessage).where(OutboundMessage.feedback_id == gone))
    session.execute(text("DELETE FROM event WHERE feedback_id = :id"), {"id": gone})
    session.execute(delete(Feedback).where(Feedback.id == gone))
    session.commit()
    assert_same(session, everyone, now)
    assert tally.drift(session.get_bind()) == 0  # the triggers agree with tally.counted
    tally.squash(session.get_bind())
    assert_same(session, everyone, now)
    assert tally.drift(session.get_bind()) == 0


def test_overdue_counts_rows_due_earlier_today_and_not_later(session, make_officer,
                                                             submit) -> None:
    officer = make_officer("TRA")
    noon = datetime.combine(date.today(), time(12), UTC)
    fb = [submit(noon - timedelta(days=20)) for _ in range(3)]
    for row, due in zip(fb, (noon - timedelta(days=2), noon - timedelta(hours=1),
                             noon + timedelta(hours=1)), strict=True):
        session.execute(update(Feedback).where(Feedback.id == row.id).values(due_at=due))
    session.commit()
    tally.squash(session.get_bind())
    assert queries.dashboard(session, officer, noon).overdue == 2
    assert queries.dashboard(session, officer, noon + timedelta(hours=2)).overdue == 3


def test_squash_keeps_every_sum_and_leaves_one_row_per_key(session, submit) -> None:
    when = datetime.now(UTC) - timedelta(days=1)
    for _ in range(20):
        submit(when)
    sums = (func.sum(FeedbackTally.n), func.sum(FeedbackTally.answer_seconds))
    by_facet = select(FeedbackTally.facet, *sums).group_by(FeedbackTally.facet)
    before = sorted(session.execute(by_facet).all())
    assert session.scalar(select(func.count()).select_from(FeedbackTally)) == 60
    assert tally.squash(session.get_bind()) == 60
    session.expire_all()
    assert sorted(session.execute(by_facet).all()) == before
    assert session.scalar(select(func.count()).select_from(FeedbackTally)) == 3


def test_a_squash_leaves_rows_of_unfinished_transactions_for_the_next(app, session,
                                                                      submit) -> None:
    engine = session.get_bind()
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing can interleave")
    when = datetime.now(UTC) - timedelta(hours=1)
    submit(when)
    with app.extensions["db"].sessionmaker() as writer:
        services.submit_feedback(writer, services.Submission(
            kind="inquiry", channel="walk-in", institution_code="TRA",
            description="Ninaomba taarifa za leseni", phone=PHONE), now=when)
        writer.flush()  # its tally rows exist, uncommitted, with ids below the squash's top
        submit(when)
        tally.squash(engine)
        writer.commit()
    tally.squash(engine)
    session.expire_all()
    assert dict(session.execute(select(FeedbackTally.facet, func.sum(FeedbackTally.n))
                                .group_by(FeedbackTally.facet)).all()) == {
        "status": 3, "due": 3, "day": 3}


def test_the_migration_counts_the_rows_already_there(app, database_url, session, make_officer,
                                                     submit) -> None:
    now = datetime.combine(date.today(), time(12), UTC)
    officer, oversight = make_officer("TRA"), make_officer("TRA", role="oversight")
    rows = [submit(now - timedelta(days=d), kind=k) for d, k in
            ((100, "inquiry"), (30, "complaint"), (3, "opinion"), (0, "complaint"))]
    services.answer_feedback(session, rows[1], officer, "Tumelishughulikia.",
                             now=now - timedelta(days=29))
    services.close_feedback(session, rows[1], officer, now=now - timedelta(days=28))
    services.rate_feedback(session, rows[1], PHONE, 4, now=now - timedelta(days=28))
    session.commit()
    session.close()
    config = alembic_config(database_url)
    command.downgrade(config, "0002_admin")
    try:
        assert "feedback_tally" not in inspect(session.get_bind()).get_table_names()
    finally:
        command.upgrade(config, "heads")
        with app.extensions["db"].sessionmaker() as s:  # what later migrations' downgrades
            import_file(s, SHIPPED_CSV)                  # dropped of the directory, back
            s.commit()
    assert session.scalar(select(func.count()).select_from(FeedbackTally).where(
        FeedbackTally.squashed.is_(False))) == 0
    assert_same(session, [officer, oversight], now)


def test_the_scheduled_job_squashes_in_a_worker(app, session, submit, run_jobs) -> None:
    from infra import kv
    from web import schedule

    assert any(job.func is schedule.squash_tally and job.interval == 60
               for job in schedule.JOBS)
    submit(datetime.now(UTC))
    submit(datetime.now(UTC))
    kv.queue(app).enqueue(schedule.squash_tally)
    run_jobs()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(FeedbackTally).where(
        FeedbackTally.squashed.is_(False))) == 0
    assert session.scalar(select(func.sum(FeedbackTally.n)).where(
        FeedbackTally.facet == "status")) == 2


def test_check_finds_a_tally_the_triggers_missed_and_rebuild_mends_it(app, session,
                                                                      make_officer,
                                                                      submit) -> None:
    now = datetime.combine(date.today(), time(12), UTC)
    officer, oversight = make_officer("TRA"), make_officer("TRA", role="oversight")
    rows = [submit(now - timedelta(days=d), kind=k) for d, k in
            ((40, "inquiry"), (5, "complaint"), (1, "opinion"))]
    services.answer_feedback(session, rows[0], officer, "Tumelishughulikia.",
                             now=now - timedelta(days=39))
    services.rate_feedback(session, rows[0], PHONE, 5, now=now - timedelta(days=38))
    services.answer_feedback(session, rows[1], officer, "Tumelipokea.",
                             now=now - timedelta(days=5, hours=-2))
    services.close_feedback(session, rows[1], officer, now=now - timedelta(days=4))
    session.commit()
    cli = app.test_cli_runner()
    assert cli.invoke(args=["tally", "check"]).exit_code == 0
    result = cli.invoke(args=["tally", "squash"])
    assert result.exit_code == 0 and "rows folded" in result.output
    assert cli.invoke(args=["tally", "check"]).exit_code == 0

    # A repair made with the triggers off, and a lost tally row: both are drift.
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        session.execute(text("ALTER TABLE feedback DISABLE TRIGGER USER"))
        session.execute(update(Feedback).where(Feedback.id == rows[2].id).values(
            status="rejected", closed_at=now))
        session.execute(text("ALTER TABLE feedback ENABLE TRIGGER USER"))
    else:
        session.execute(update(Feedback).where(Feedback.id == rows[2].id).values(
            status="rejected", closed_at=now))
        session.execute(delete(FeedbackTally).where(FeedbackTally.facet == "status",
                                                    FeedbackTally.status == "rejected"))
    session.execute(delete(FeedbackTally).where(FeedbackTally.facet == "day",
                                                FeedbackTally.kind == "inquiry"))
    session.commit()
    result = cli.invoke(args=["tally", "check"])
    assert result.exit_code == 1 and "flask tally rebuild" in result.output
    with pytest.raises(AssertionError):
        assert_same(session, [officer, oversight], now)

    result = cli.invoke(args=["tally", "rebuild"])
    assert result.exit_code == 0 and "tally rebuilt" in result.output
    assert cli.invoke(args=["tally", "check"]).exit_code == 0
    assert_same(session, [officer, oversight], now)
