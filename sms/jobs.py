"""Outbound SMS as rq jobs: one job per OutboundMessage id.

Jobs run inside the app context the worker provides (``web.worker``) and own
their transaction. With no aggregator credentials the message goes to the
outbox (the row itself, marked sent with an ``outbox-`` id) that the simulator shows.
"""

from __future__ import annotations

from rq import Queue, Retry

from core.models import OutboundMessage, utcnow
from web.db import database

RETRY = Retry(max=5, interval=[10, 60, 300, 900, 3600])


def enqueue_messages(queue: Queue, ids: list[int]) -> None:
    for message_id in ids:
        queue.enqueue(send_message, message_id, retry=RETRY, job_id=f"sms-{message_id}")


def send_message(message_id: int) -> str:
    with database().sessionmaker() as session:
        msg = session.get(OutboundMessage, message_id)
        if msg is None or msg.status != "queued":
            return "skipped"
        msg.attempts += 1
        msg.status, msg.provider_id, msg.sent_at = "sent", f"outbox-{msg.id}", utcnow()
        session.commit()
        return msg.status
