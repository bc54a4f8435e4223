"""Several SMS committed together go out in one job: one claim, one commit, each still once.

A job per message cost the worker a dozen Redis round trips and two transactions per
SMS, which capped a host below the web tier's rate; these tests hold what the batch
must keep of the single job: once per message, the retry, the final refusal.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from sqlalchemy import select

from core.models import Event, OutboundMessage
from core.notify import queue_sms
from infra import kv
from sms.jobs import MAX_ATTEMPTS, job_id, send_batch
from tests.sms.conftest import AT_URL


def _queue(session, texts: list[str], feedback=None) -> list[int]:
    ids = [queue_sms(session, phone=f"+2557123400{i:02d}", text=text, purpose="reply",
                     feedback=feedback).id for i, text in enumerate(texts)]
    session.commit()
    return ids


def _rows(session) -> list[OutboundMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def _answer_each_number(codes: dict[str, int], calls: list[list[str]]):
    def answer(request):
        numbers = parse_qs(request.body)["to"][0].split(",")
        calls.append(numbers)
        return 201, {"Content-Type": "application/json"}, json.dumps({"SMSMessageData": {
            "Message": "Sent", "Recipients": [{
                "statusCode": codes.get(n, 101), "number": n, "status": "Whatever",
                "cost": "TZS 25", "messageId": f"ATXid_{n}"} for n in numbers]}})
    return answer


def test_a_commit_of_several_is_one_job_and_each_is_sent_once(app, session, run_jobs,
                                                              make_feedback) -> None:
    feedback = make_feedback()
    run_jobs()
    ids = _queue(session, [f"Asante {i}" for i in range(30)], feedback=feedback)
    assert len(kv.queue(app).job_ids) == 2  # 25 and 5, not 30
    with app.app_context():
        assert send_batch(ids[:3]) == {"sent": 3}  # a run the queued batch duplicates
    run_jobs()
    rows = _rows(session)[-30:]
    assert [(m.status, m.attempts) for m in rows] == [("sent", 1)] * 30
    assert [m.provider_id for m in rows] == [f"outbox-{i}" for i in ids]
    sent = session.scalars(select(Event.data).where(Event.feedback_id == feedback.id,
                                                    Event.kind == "sms_sent")).all()
    assert sorted(d["message_id"] for d in sent)[-30:] == ids


def test_one_text_to_many_numbers_is_one_request(app, session, at_api) -> None:
    calls: list[list[str]] = []
    at_api.add_callback("POST", AT_URL, callback=_answer_each_number({}, calls))
    ids = _queue(session, ["Mkutano wa kijiji Jumamosi"] * 4 + ["Asante"])
    with app.app_context():
        assert send_batch(ids) == {"sent": 5}
    assert sorted(len(numbers) for numbers in calls) == [1, 4]
    rows = _rows(session)
    assert [m.provider_id for m in rows] == [f"ATXid_{m.phone}" for m in rows]


def test_a_refused_number_fails_alone_and_a_busy_route_is_tried_again(app, session,
                                                                      at_api) -> None:
    refused, busy = "+255712340001", "+255712340002"
    at_api.add_callback("POST", AT_URL,
                        callback=_answer_each_number({refused: 406, busy: 500}, []))
    ids = _queue(session, ["Habari"] * 3)
    with app.app_context():
        assert send_batch(ids) == {"sent": 1, "failed": 1, "queued": 1}
    statuses = {m.phone: (m.status, m.attempts) for m in _rows(session)}
    assert statuses == {"+255712340000": ("sent", 1), refused: ("failed", 1),
                        busy: ("queued", 1)}
    scheduled = kv.queue(app).scheduled_job_registry.get_job_ids()
    assert scheduled == [job_id(ids[2])]  # its own job, after the back-off


def test_the_last_attempt_of_a_batch_fails_for_good(app, session, at_api) -> None:
    at_api.add_callback("POST", AT_URL, callback=_answer_each_number(
        {"+255712340000": 500}, []))
    [mid] = _queue(session, ["Habari"])
    session.execute(OutboundMessage.__table__.update().values(attempts=MAX_ATTEMPTS - 1))
    session.commit()
    with app.app_context():
        assert send_batch([mid]) == {"failed": 1}
    assert kv.queue(app).scheduled_job_registry.get_job_ids() == []
