"""A feature phone talking to the USSD callback as Africa's Talking does."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import func, select

from core.models import Event, Feedback, OutboundMessage

SUBMIT = ["9", "2", "1", "4", "Maji hayatoki kwa wiki mbili mtaani", "1", "2"]  # then "1"
_ids = itertools.count(1)


class Phone:
    def __init__(self, client: Any, number: str = "+255712345678", token: str | None = None,
                 path: str = "/ussd/africastalking") -> None:
        self.client, self.number, self.path = client, number, path
        self.query = f"?token={token}" if token else ""
        self.session_id, self.inputs = "", []

    def dial(self) -> str:
        self.session_id, self.inputs = f"rel-{next(_ids)}", []
        return self._post("")

    def send(self, value: str) -> str:
        self.inputs.append(value)
        return self._post("*".join(self.inputs))

    def retry(self) -> str:
        """The aggregator sends the last hop again."""
        return self._post("*".join(self.inputs))

    def _post_as(self, other: Phone) -> str:
        """Send ``other``'s current hop from this client (a concurrent duplicate)."""
        self.session_id, self.number = other.session_id, other.number
        return self._post("*".join(other.inputs))

    def _post(self, text: str) -> str:
        resp = self.client.post(self.path + self.query, data={
            "sessionId": self.session_id, "serviceCode": "*152*00#",
            "phoneNumber": self.number, "networkCode": "63902", "text": text})
        assert resp.status_code == 200, resp.data
        body = resp.get_data(as_text=True)
        assert body.startswith(("CON ", "END ")), body
        return body


def counts(app: Any) -> tuple[int, int, int]:
    """(feedback, created events, reference SMS): a whole submit moves all three together."""
    with app.extensions["db"].sessionmaker() as s:
        return (s.scalar(select(func.count()).select_from(Feedback)) or 0,
                s.scalar(select(func.count()).select_from(Event)
                         .where(Event.kind == "created")) or 0,
                s.scalar(select(func.count()).select_from(OutboundMessage)
                         .where(OutboundMessage.purpose == "reference")) or 0)
