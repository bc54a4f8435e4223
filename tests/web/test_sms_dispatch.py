from __future__ import annotations

from sqlalchemy import select

from core.models import OutboundMessage


def test_committed_sms_are_sent_by_the_worker(session, make_feedback, run_jobs) -> None:
    feedback = make_feedback()
    run_jobs()
    msg = session.scalar(select(OutboundMessage).where(OutboundMessage.feedback_id == feedback.id))
    session.refresh(msg)
    assert msg is not None and msg.status == "sent" and msg.attempts == 1


def test_a_rolled_back_submission_sends_nothing(session, redis_client) -> None:
    from core.services import Submission, submit_feedback
    from infra.kv import QUEUE_NAME

    submit_feedback(session, Submission(kind="opinion", channel="sms", institution_code="TRA",
                                        description="Maoni yangu", phone="0712345678"))
    session.rollback()
    assert redis_client.llen(f"rq:queue:{QUEUE_NAME}") == 0
