"""Anonymity: numbers are masked in every log record; retention forgets submitters."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.models import (
    Event,
    Feedback,
    InboundMessage,
    Officer,
    OutboundMessage,
    Subscriber,
    utcnow,
)
from core.officers import create_officer
from core.retention import purge_batch, purge_expired
from core.services import answer_feedback, close_feedback
from infra.logging import mask_text

NUMBERS = ["+255712345678", "255712345678", "0712345678", "+255 712 345 678",
           "0712-345-678", "+254722000111"]


@pytest.mark.parametrize("number", NUMBERS)
def test_mask_text_hides_every_written_form(number) -> None:
    masked = mask_text(f"from {number}: hello")
    digits = "".join(c for c in number if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit())
    assert "***" in masked and masked.endswith(": hello")


def test_mask_text_leaves_references_and_times_alone() -> None:
    line = "ref 4839201 at 12:30:45 took 1234 ms"
    assert mask_text(line) == line


def test_every_log_record_is_masked(app, caplog) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("anything.at.all").info("inbound from %s says %r", "+255712345678",
                                              {"phoneNumber": "0712345678"})
    try:
        raise ValueError("bad number +255787654321")
    except ValueError:
        logging.getLogger("sms").exception("failed for 255712345678")
    text = caplog.text
    assert "712345678" not in text and "787654321" not in text
    assert "+255712***678" in text and "Traceback" in text


def _closed(make_feedback, session, days_ago: int, **kw) -> Feedback:
    fb = make_feedback(name="Asha Juma", **kw)
    officer = session.scalar(select(Officer)) or create_officer(
        session, email="o@x.go.tz", name="Afisa", institution_code="TRA", role="officer",
        password="correct horse battery")
    when = utcnow() - timedelta(days=days_ago)
    answer_feedback(session, fb, officer, "Tumeshughulikia", now=when)
    close_feedback(session, fb, now=when)
    session.commit()
    return fb


def test_retention_purges_numbers_of_old_closed_feedback_and_keeps_statistics(
        app, session, make_feedback) -> None:
    old = _closed(make_feedback, session, 400, phone="0712345678")
    recent = _closed(make_feedback, session, 10, phone="0712345679")
    still_open = make_feedback(phone="0712345670")
    before = session.execute(select(Feedback.kind, Feedback.status, Feedback.institution_id,
                                    Feedback.created_at).order_by(Feedback.id)).all()
    purged = purge_expired(app.extensions["db"].sessionmaker, days=365, batch_size=1)
    assert purged == 1
    session.expire_all()
    assert (old.submitter_phone, old.submitter_name) == (None, None)
    assert recent.submitter_phone == "+255712345679" and still_open.submitter_phone
    after = session.execute(select(Feedback.kind, Feedback.status, Feedback.institution_id,
                                   Feedback.created_at).order_by(Feedback.id)).all()
    assert before == after
    sms = session.scalars(select(OutboundMessage.phone)
                          .where(OutboundMessage.feedback_id == old.id)).all()
    assert sms and all("***" in p for p in sms)
    events = session.scalars(select(Event).where(Event.kind == "personal_data_purged")).all()
    assert [e.feedback_id for e in events] == [old.id]
    assert events[0].data["retention_days"] == 365 and events[0].data["batch"]
    assert purge_expired(app.extensions["db"].sessionmaker, days=365) == 0


def test_retention_goes_in_batches_and_can_be_switched_off(app, session, make_feedback) -> None:
    for n in range(5):
        _closed(make_feedback, session, 40, phone=f"071234567{n}")
    assert purge_expired(app.extensions["db"].sessionmaker, days=None) == 0
    assert purge_batch(session, days=30, batch_size=2) == 2
    session.rollback()  # an interrupted batch leaves nothing half-done
    assert session.scalar(select(func.count()).select_from(Feedback)
                          .where(Feedback.submitter_phone.is_(None))) == 0
    assert purge_expired(app.extensions["db"].sessionmaker, days=30, batch_size=2) == 5
    batches = {e.data["batch"] for e in session.scalars(
        select(Event).where(Event.kind == "personal_data_purged"))}
    assert len(batches) == 3


def test_retention_forgets_an_anonymous_submitters_subscriber_row(
        app, session, make_feedback) -> None:
    """Kept, the row would tie the number to the service and its time; a STOP still holds."""
    _closed(make_feedback, session, 400, phone="0712000001", anonymous=True)   # forgotten
    _closed(make_feedback, session, 400, phone="0712000002", anonymous=True)   # still open:
    make_feedback(phone="0712000002", anonymous=True)
    _closed(make_feedback, session, 400, phone="0712000003", anonymous=True)   # opted out
    session.scalars(select(Subscriber).where(Subscriber.phone == "+255712000003")).one() \
        .opted_out = True
    _closed(make_feedback, session, 400, phone="0712000004")                   # named
    session.commit()
    assert purge_expired(app.extensions["db"].sessionmaker, days=365) == 4
    session.expire_all()
    kept = set(session.scalars(select(Subscriber.phone)))
    assert "+255712000001" not in kept
    assert {"+255712000002", "+255712000003", "+255712000004"} <= kept


def test_retention_job_runs_in_a_worker(app, session, make_feedback, run_jobs) -> None:
    from infra import kv
    from web.schedule import purge_retention

    _closed(make_feedback, session, 400)
    kv.queue(app).enqueue(purge_retention)
    run_jobs()
    assert session.scalar(select(func.count()).select_from(Feedback)
                          .where(Feedback.submitter_phone.is_not(None))) == 0


def test_retention_masks_every_sms_row_that_ties_the_number_to_the_reference(
        app, client, session, make_officer) -> None:
    """Replies and inbound messages that name the reference, or rate it, lose the number."""
    phone, ids = "+255712345678", iter(range(100))

    def sms(text: str) -> None:
        resp = client.post("/sms/africastalking/inbound", data={
            "from": phone, "to": "15200", "text": text, "id": f"ATXid_ret_{next(ids)}"})
        assert resp.status_code == 200

    sms("LALAMIKO TRA: Nimesubiri TIN kwa wiki tatu")
    fb = session.scalar(select(Feedback))
    answer_feedback(session, fb, make_officer(), "Tumeshughulikia")
    session.commit()
    sms("4")                      # rates it: "Asante kwa kutathmini kumb. <ref>"
    sms(f"HALI {fb.reference}")   # tracks it
    sms("MSAADA")                 # names no feedback: keeps its number
    # Rows written before replies were linked to their feedback: a bare rating in the
    # window, and a tracking request that only names the reference.
    long_ago = utcnow() - timedelta(days=400)
    for n, text in enumerate(["5", f"hali {fb.reference}"]):
        session.add(InboundMessage(provider="africastalking", provider_id=f"old-{n}",
                                   phone=phone, text=text, command=("rate", "status")[n],
                                   received_at=long_ago + timedelta(hours=1),
                                   handled_at=long_ago, raw={"form": [["from", phone]]}))
    fb.answered_at, fb.closed_at, fb.status = long_ago, long_ago + timedelta(days=2), "closed"
    session.commit()

    assert purge_expired(app.extensions["db"].sessionmaker, days=365) == 1
    session.expire_all()
    ref = fb.reference
    rows = [(m.phone, m.text, m.raw) for m in session.scalars(select(InboundMessage))]
    rows += [(m.phone, m.text, None) for m in session.scalars(select(OutboundMessage))]
    tied = [row for row in rows if ref in row[1] or row[1] in ("4", "5")
            or row[1].startswith("LALAMIKO")]
    assert len(tied) >= 6 and all("***" in p and raw is None for p, _, raw in tied), tied
    help_rows = [row for row in rows if row[1] == "MSAADA"]
    assert help_rows and help_rows[0][0] == phone
