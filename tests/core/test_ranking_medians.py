"""Median working days to a first answer and the share on time, against a count of the rows."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core import queries, ranking, services
from core.answer_time import first_answer, working_days
from core.models import Feedback, Institution

EAT_NOON = 9  # 12:00 in Dar es Salaam, as UTC hours


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=EAT_NOON, tzinfo=UTC)


@pytest.mark.parametrize(("start", "end", "days"), [
    ("2026-11-23", "2026-11-23", 0),   # the same day
    ("2026-11-23", "2026-11-27", 4),   # Monday to Friday
    ("2026-11-27", "2026-11-30", 1),   # Friday to Monday: the weekend does not count
    ("2026-12-08", "2026-12-10", 1),   # across Independence Day (9 December)
])
def test_working_days_skip_weekends_and_tanzanian_holidays(start, end, days) -> None:
    assert working_days(at(start), at(end)) == days


def test_on_time_is_by_the_due_time() -> None:
    assert first_answer(at("2026-11-23"), at("2026-11-25"), at("2026-11-25"))[1] is True
    assert first_answer(at("2026-11-23"), at("2026-11-25"), at("2026-11-26")) == (3, False)


def inst(session, code: str) -> Institution:
    found = session.scalar(select(Institution).where(Institution.code == code))
    assert found is not None
    return found


@pytest.fixture
def answered(session, make_feedback, make_officer) -> dict[str, list[Feedback]]:
    """Dodoma councils answered after 0-20 days (some late), one left open, TRA apart."""
    officers = {c: make_officer(c, "head")
                for c in ("LGA-BAHI-DC", "LGA-KONDOA-DC", "TRA", "RS-DODOMA")}
    made: dict[str, list[Feedback]] = {}
    phones = (f"0712345{n:03d}" for n in range(100))  # apart: the per-number limit
    for code, after in (("LGA-BAHI-DC", (0, 3, 12, 20)), ("LGA-KONDOA-DC", (1, 9, 30)),
                        ("TRA", (2,))):
        for days in after:
            fb = make_feedback(institution_code=code, kind="complaint", phone=next(phones))
            services.answer_feedback(session, fb, officers[code], "Tumeshughulikia",
                                     now=fb.created_at + timedelta(days=days))
            made.setdefault(code, []).append(fb)
        # open: counts in neither
        made[code].append(make_feedback(institution_code=code, phone=next(phones)))
    appealed = made["LGA-BAHI-DC"][1]
    services.appeal_feedback(session, appealed, appealed.submitter_phone, "Jibu halikunisaidia")
    services.answer_feedback(session, appealed, officers["RS-DODOMA"], "Jibu jipya",
                             now=appealed.created_at + timedelta(days=15))
    session.commit()
    return made


def rows_of(session, codes: list[str]) -> list[tuple[int, bool]]:
    ids = select(Institution.id).where(Institution.code.in_(codes))
    return [(d, o) for d, o in session.execute(select(Feedback.answer_days, Feedback.on_time)
            .where(Feedback.institution_id.in_(ids), Feedback.answer_days.is_not(None)))]


def test_medians_and_on_time_shares_match_the_rows(session, answered) -> None:
    board = ranking.rank(session, inst(session, "RS-DODOMA"))
    by_code = {r.institution.code: r.figures for r in board.rows}
    for code in ("LGA-BAHI-DC", "LGA-KONDOA-DC"):
        rows = rows_of(session, [code])
        f = by_code[code]
        assert f.first_answers == len(rows) == len(answered[code]) - 1
        assert f.median_days == statistics.median(d for d, _ in rows)
        assert f.on_time == sum(1 for _, o in rows if o)
        # the row's own clock: answered by the due time, counted again from the timestamps
        # (never appealed, so answered_at is still the first answer's)
        assert f.on_time == session.scalar(select(func.count()).select_from(Feedback).where(
            Feedback.institution_id == inst(session, code).id, Feedback.appeal_reason.is_(None),
            Feedback.answer_days.is_not(None), Feedback.answered_at <= Feedback.due_at)) + (
            code == "LGA-BAHI-DC")  # Bahi's appealed item was first answered on time
    both = rows_of(session, ["LGA-BAHI-DC", "LGA-KONDOA-DC"])
    assert board.scope.median_days == statistics.median(d for d, _ in both)
    assert board.scope.on_time_share == sum(1 for _, o in both if o) / len(both)
    national = rows_of(session, ["LGA-BAHI-DC", "LGA-KONDOA-DC", "TRA"])
    assert board.national.median_days == statistics.median(d for d, _ in national)


def test_an_appeal_answered_again_keeps_the_first_answers_days(session, answered) -> None:
    appealed = answered["LGA-BAHI-DC"][1]
    session.refresh(appealed)
    assert appealed.answer_days == working_days(appealed.created_at,
                                                appealed.created_at + timedelta(days=3))


def test_each_link_lists_exactly_the_items_counted(session, answered, make_officer) -> None:
    board = ranking.rank(session, inst(session, "RS-DODOMA"))
    leader = make_officer("RS-DODOMA", "head")
    for row in board.rows:
        if not row.figures.first_answers:
            continue
        args = {**{k: str(v) for k, v in row.filter.items()}, "since": board.since.isoformat(),
                "status": "all"}
        first = queries.filtered(session, leader, queries.InboxFilter.from_args(
            {**args, "answered": "1"}))
        on_time = queries.filtered(session, leader, queries.InboxFilter.from_args(
            {**args, "on_time": "1"}))
        assert _count(session, first) == row.figures.first_answers
        assert _count(session, on_time) == row.figures.on_time


def _count(session, stmt) -> int:
    return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def test_the_slowest_kinds_against_the_rows(session, answered, make_feedback,
                                            make_officer) -> None:
    officer = make_officer("LGA-BAHI-DC", "head")
    fb = make_feedback(institution_code="LGA-BAHI-DC", kind="suggestion")
    services.answer_feedback(session, fb, officer, "Asante", now=fb.created_at)
    session.commit()
    ids = {inst(session, c).id for c in ("LGA-BAHI-DC", "LGA-KONDOA-DC")}
    board = ranking.rank(session, inst(session, "RS-DODOMA"))
    slowest = ranking.slowest_kinds(session, ids, board.since)
    by_kind: dict[str, list[int]] = {}
    for kind, days in session.execute(select(Feedback.kind, Feedback.answer_days).where(
            Feedback.institution_id.in_(ids), Feedback.answer_days.is_not(None))):
        by_kind.setdefault(kind, []).append(days)
    assert [k for k, _, _ in slowest] == ["complaint", "suggestion"]
    for kind, median, n in slowest:
        assert (median, n) == (statistics.median(by_kind[kind]), len(by_kind[kind]))
    assert ranking.histogram_median(Counter()) is None
