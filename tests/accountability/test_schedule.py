"""A clock moved through due dates: reminders, escalation and closing run as rq cron jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core import accountability, sla
from core.models import Event, Feedback, Institution, OutboundMessage
from core.scope import in_scope, scope_filter
from core.services import answer_feedback, rate_feedback
from infra import kv
from tests.accountability.conftest import EAT, MONDAY
from web import schedule


def at(day: datetime, hour: int) -> datetime:
    return day.astimezone(EAT).replace(hour=hour, minute=0, second=0, microsecond=0)


def messages(session, purpose: str) -> list[OutboundMessage]:
    return list(session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == purpose)
                                .order_by(OutboundMessage.id)))


def events(session, feedback: Feedback, kind: str) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.feedback_id == feedback.id,
                                                    Event.kind == kind)))


def test_due_dates_skip_weekends_and_holidays() -> None:
    assert sla.answer_due("complaint", MONDAY).date().isoformat() == "2026-03-11"
    assert sla.answer_due("opinion", MONDAY).date().isoformat() == "2026-03-20"
    assert sla.acknowledge_due(MONDAY).date().isoformat() == "2026-03-04"
    # Good Friday 3 April, Easter Monday 6 April and Karume Day 7 April 2026 are not worked.
    thursday = datetime(2026, 4, 2, 9, tzinfo=EAT)
    assert sla.add_working_days(thursday, 1).date().isoformat() == "2026-04-08"


def test_reminder_once_a_day_to_each_head_with_overdue(
        app, clock, tick, session, make_officer, make_feedback) -> None:
    head = make_officer("TRA", role="head", phone="0754000111", language="en")
    make_officer("TRA", role="head")  # no number: sees the list on the dashboard only
    make_officer("TANESCO", role="head", phone="0754000222")  # nothing overdue there
    late = make_feedback()
    assert late.due_at is not None
    per_day: dict[str, int] = {}
    day = MONDAY
    while day < late.due_at + timedelta(days=3):  # every day at noon, rq's cron ticking
        clock.move_to(at(day, 12))
        assert "send_reminders" in tick()
        per_day[day.date().isoformat()] = len(messages(session, "reminder"))
        day += timedelta(days=1)
    assert per_day["2026-03-10"] == 0  # not yet due
    assert [per_day[d] for d in ("2026-03-11", "2026-03-12", "2026-03-13")] == [1, 2, 3]
    sms = messages(session, "reminder")[-1]
    assert sms.phone == head.phone and late.reference in sms.text and "overdue" in sms.text
    assert sms.feedback_id is None

    before = len(messages(session, "reminder"))
    kv.queue(app).enqueue(schedule.send_reminders)  # a second run the same day: nothing more
    tick()
    assert len(messages(session, "reminder")) == before


def test_overdue_counts_and_lists_feed_the_metrics_gauge_and_the_reminders(
        clock, session, make_feedback) -> None:
    """``overdue_counts`` is the ``mrejesho_overdue_feedback`` gauge of ``/metrics`` and
    ``overdue_feedback`` what a head's daily reminder lists; the dashboard reads the tally
    instead (``tests/core/test_tally.py``)."""
    fb = make_feedback()
    make_feedback(kind="opinion")
    tra = fb.institution_id
    assert accountability.overdue_counts(session) == {}
    assert fb.due_at is not None
    later = fb.due_at + timedelta(hours=1)
    assert accountability.overdue_counts(session, later) == {tra: 1}
    assert [f.reference for f in accountability.overdue_feedback(session, tra, later)] \
        == [fb.reference]


def test_acknowledgement_due_after_two_working_days(clock, session, make_officer,
                                                   make_feedback) -> None:
    from core.services import start_feedback

    fb, taken = make_feedback(), make_feedback()
    wednesday = MONDAY + timedelta(days=2)
    assert not accountability.acknowledgement_overdue(fb, wednesday - timedelta(minutes=1))
    start_feedback(session, taken, make_officer("TRA"))
    session.commit()
    assert accountability.acknowledgement_overdue(fb, wednesday + timedelta(minutes=1))
    assert not accountability.acknowledgement_overdue(taken, wednesday + timedelta(minutes=1))


def test_escalation_at_twice_the_due_time_once(
        app, clock, tick, session, make_officer, make_feedback) -> None:
    fb = make_feedback()  # TRA, whose parent is the Ministry of Finance
    mof_officer = make_officer("MOF")
    stranger = make_officer("TANESCO", role="head")
    assert fb.due_at is not None
    escalate_at = fb.due_at + (fb.due_at - fb.created_at)
    assert not in_scope(session, mof_officer, fb)

    clock.move_to(escalate_at - timedelta(hours=2))
    tick()
    assert events(session, fb, "escalated") == []

    clock.move_to(escalate_at + timedelta(hours=2))
    assert "escalate_overdue" in tick()
    session.refresh(fb)
    assert fb.escalated
    [ev] = events(session, fb, "escalated")
    assert ev.data["from"] == "TRA" and ev.data["to"] == "MOF"
    [sms] = messages(session, "escalated")
    assert sms.phone == fb.submitter_phone and fb.reference in sms.text

    assert in_scope(session, mof_officer, fb)
    seen = session.scalars(select(Feedback.id).where(scope_filter(session, mof_officer)))
    assert fb.id in list(seen)
    assert not in_scope(session, stranger, fb)
    mof = session.scalar(select(Institution.id).where(Institution.code == "MOF"))
    assert [f.reference for f in accountability.overdue_feedback(session, mof)] \
        == [fb.reference]  # the parent's head is reminded of it from now on

    clock.move_to(escalate_at + timedelta(days=3))
    kv.queue(app).enqueue(schedule.escalate_overdue)
    tick()
    assert len(events(session, fb, "escalated")) == 1
    assert len(messages(session, "escalated")) == 1


def test_escalation_counts_from_a_transfer(clock, session, make_officer, make_feedback) -> None:
    from core.services import transfer_feedback

    fb = make_feedback()
    officer = make_officer("TRA")
    clock.move_to(MONDAY + timedelta(days=3))
    transfer_feedback(session, fb, officer, "TANESCO", "umeme, si kodi")
    session.commit()
    assert fb.due_at is not None
    start = accountability.clock_start(fb)
    assert start > fb.created_at
    assert accountability.escalation_time(fb) == fb.due_at + (fb.due_at - start)


def test_a_transfer_ends_an_escalation_and_starts_a_new_clock(
        clock, session, make_officer, make_feedback) -> None:
    from core.services import transfer_feedback

    fb = make_feedback()
    clock.move_to(accountability.escalation_time(fb) + timedelta(hours=1))
    accountability.escalate_overdue(session)
    session.commit()
    mof_officer = make_officer("MOF")
    assert fb.escalated and in_scope(session, mof_officer, fb)

    transfer_feedback(session, fb, mof_officer, "TANESCO", "umeme, si kodi")
    session.commit()
    assert not fb.escalated and not in_scope(session, mof_officer, fb)
    tanesco = session.scalar(select(Institution).where(Institution.code == "TANESCO"))
    assert fb.id not in [f.id for f in accountability.overdue_feedback(
        session, tanesco.parent_id)]  # never late at TANESCO, so nothing for its parent
    [moved] = events(session, fb, "transferred")
    assert moved.data["was_escalated"] is True

    clock.move_to(accountability.escalation_time(fb) + timedelta(hours=1))
    assert accountability.escalate_overdue(session) == [fb.reference]
    session.commit()
    assert events(session, fb, "escalated")[-1].data["from"] == "TANESCO"


def test_answered_feedback_closes_when_the_appeal_window_ends(
        app, clock, tick, session, make_officer, make_feedback) -> None:
    fb = make_feedback()
    unanswered = make_feedback(kind="opinion")
    officer = make_officer("TRA")
    answer_feedback(session, fb, officer, "TIN yako iko tayari")
    session.commit()
    window = timedelta(days=sla.DEFAULT_POLICY.appeal_window_days)

    clock.move_to(MONDAY + window - timedelta(hours=1))
    tick()
    session.refresh(fb)
    assert fb.status == "answered"

    clock.move_to(MONDAY + window + timedelta(hours=1))
    assert "close_expired" in tick()
    session.refresh(fb)
    session.refresh(unanswered)
    assert fb.status == "closed" and fb.closed_at is not None
    assert unanswered.status != "closed"
    assert len(events(session, fb, "closed")) == 1

    kv.queue(app).enqueue(schedule.close_expired)
    tick()
    assert len(events(session, fb, "closed")) == 1


def test_ratings_average_per_institution(clock, session, make_officer, make_feedback) -> None:
    officer = make_officer("TRA")
    low, high = make_feedback(), make_feedback()
    for fb, rating in ((low, 1), (high, 4)):
        answer_feedback(session, fb, officer, "Jibu")
        offered = rate_feedback(session, fb, "0712345678", rating)
        assert offered is (rating <= 2)
    session.commit()
    tra = session.scalar(select(Institution.id).where(Institution.code == "TRA"))
    assert accountability.rating_averages(session) == {tra: (2.5, 2)}


def test_sweep_job_runs_without_the_sms_sweeper(app) -> None:
    with app.app_context():
        schedule.sweep_sms()  # present or not yet written, it never fails the job


def test_embedded_default_drives_rq_cron_in_a_thread(app) -> None:
    import time

    from rq.cron import CronScheduler

    from web.embedded import InProcessCron

    cron = InProcessCron(app)
    cron.start()
    queue = kv.queue(app)
    deadline = time.monotonic() + 10
    while len(queue) < 3 and time.monotonic() < deadline:  # interval jobs run at start
        time.sleep(0.05)
    names = {job.func_name for job in queue.get_jobs()}
    assert {"web.schedule.escalate_overdue", "web.schedule.close_expired",
            "web.schedule.sweep_sms"} <= names
    assert cron.scheduler.name in {c.name for c in CronScheduler.all(kv.client(app))}
    cron.stop()
    assert not cron._thread.is_alive()
    assert cron.scheduler.name not in {c.name for c in CronScheduler.all(kv.client(app))}


def test_service_levels_come_from_configuration(app) -> None:
    """The configured figures ride on the app's sessions; another app's never leak here."""
    from core import policies
    from core.services import Submission, submit_feedback
    from web import create_app

    other = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                        "REDIS_URL": app.config["REDIS_URL"], "SECRET_KEY": "test",
                        "SLA_ANSWER_DAYS": {"complaint": 3}, "SLA_TRANSFER_DAYS": 2})
    try:
        with other.extensions["db"].sessionmaker() as s:
            policy = policies.of(s).sla
            fb = submit_feedback(s, Submission(kind="complaint", channel="ussd",
                                               institution_code="TRA", phone="0712000333",
                                               description="Nimesubiri TIN kwa wiki tatu"))
            assert fb.due_at == sla.answer_due("complaint", fb.created_at, policy)
            s.rollback()
        assert sla.answer_due("complaint", MONDAY, policy).date().isoformat() == "2026-03-05"
        assert sla.answer_due("opinion", MONDAY, policy).date().isoformat() == "2026-03-20"
        assert sla.transfer_due(MONDAY, policy).date().isoformat() == "2026-03-04"
    finally:
        other.extensions["db"].engine.dispose()
    import pytest

    for bad in ({"SLA_ANSWER_DAYS": {"pothole": 3}}, {"SLA_TRANSFER_DAYS": 0},
                {"SLA_ANSWER_DAYS": "seven"}):
        with pytest.raises(RuntimeError, match="service level"):
            create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                        "REDIS_URL": app.config["REDIS_URL"], "SECRET_KEY": "test", **bad})
    with app.extensions["db"].sessionmaker() as s:
        assert policies.of(s).sla == sla.DEFAULT_POLICY


def test_the_retention_purge_is_scheduled_daily_and_runs(app) -> None:
    from web.schedule import JOBS, purge_retention

    [job] = [j for j in JOBS if j.func is purge_retention]
    assert job.cron == "30 2 * * *"
    with app.app_context():
        assert purge_retention() == 0
