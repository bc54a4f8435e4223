"""Overdue directives are reminded by rq's cron, once a Tanzanian day, to the institution."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core import directives
from core.models import OutboundMessage
from tests.accountability.conftest import EAT


def test_the_daily_job_reminds_the_directed_institution_until_it_reports(
        clock, tick, session, make_officer, make_feedback) -> None:
    rc = make_officer("RS-DODOMA", "head")
    desk = make_officer("LGA-BAHI-DC", "officer", phone="0754000333", language="en")
    bahi = make_feedback(institution_code="LGA-BAHI-DC")
    d = directives.issue_directive(session, bahi, rc, "Repair the borehole", days=1)
    session.commit()
    due = d.due_at
    day, per_day = due.astimezone(EAT).replace(hour=6), []
    for _ in range(3):  # three mornings after the due date, the cron ticking at 06:00 and 08:00
        day += timedelta(days=1)
        for hour in (6, 8):
            clock.move_to(day.replace(hour=hour))
            tick()
        per_day.append(len(list(session.scalars(select(OutboundMessage).where(
            OutboundMessage.purpose == "directive_reminder")))))
    assert per_day == [1, 2, 3]
    sms = session.scalars(select(OutboundMessage).where(
        OutboundMessage.purpose == "directive_reminder")).first()
    assert sms is not None and sms.phone == desk.phone and bahi.reference in sms.text

    directive = session.get(type(d), d.id)
    directives.report_directive(session, directive, desk, "The pump is fixed")
    session.commit()
    clock.move_to(day.replace(hour=8) + timedelta(days=1))
    tick()
    assert len(list(session.scalars(select(OutboundMessage).where(
        OutboundMessage.purpose == "directive_reminder")))) == 3
