from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

PHONE = "+255712345678"
_ids = itertools.count(1)


class ATSession:
    """A phone on Africa's Talking: each hop posts every input so far joined by ``*``."""

    def __init__(self, client: Any, phone: str = PHONE, service_code: str = "*152*00#",
                 session_id: str | None = None, query: str = "") -> None:
        self.client, self.phone, self.service_code = client, phone, service_code
        self.session_id = session_id or f"ATUid_{next(_ids)}"
        self.inputs: list[str] = []
        self.query = query

    @property
    def text(self) -> str:
        return "*".join(self.inputs)

    def post(self, text: str) -> Any:
        return self.client.post("/ussd/africastalking" + self.query, data={
            "sessionId": self.session_id, "serviceCode": self.service_code,
            "phoneNumber": self.phone, "networkCode": "63902", "text": text})

    def dial(self, text: str = "") -> str:
        self.inputs = [text] if text else []
        return self._ok(self.post(text))

    def send(self, *inputs: str) -> str:
        body = ""
        for value in inputs:
            self.inputs.append(value)
            body = self._ok(self.post(self.text))
        return body

    def retry(self) -> str:
        return self._ok(self.post(self.text))

    def end(self, status: str = "Incomplete") -> Any:
        return self.client.post("/ussd/africastalking/events" + self.query, data={
            "sessionId": self.session_id, "phoneNumber": self.phone, "status": status,
            "input": self.text, "hopsCount": str(len(self.inputs) + 1),
            "durationInMillis": "20000", "errorMessage": "", "serviceCode": self.service_code,
            "networkCode": "63902", "date": "2026-11-22 21:00:00"})

    @staticmethod
    def _ok(resp: Any) -> str:
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert resp.mimetype == "text/plain"
        body = resp.get_data(as_text=True)
        assert body.startswith(("CON ", "END ")), body
        assert len(body) <= 160, body
        return body


class BeemSession:
    """A phone on Beem: JSON, only the latest input, one request_id per hop."""

    def __init__(self, client: Any, phone: str = "255712345678") -> None:
        self.client, self.phone = client, phone
        self.session_id = f"beem-{next(_ids)}"
        self.request_id = 0

    def post(self, command: str, response: str, request_id: int | None = None) -> Any:
        if request_id is None:
            self.request_id += 1
            request_id = self.request_id
        return self.client.post("/ussd/beem", json={
            "command": command, "msisdn": self.phone, "session_id": self.session_id,
            "operator": "vodacom", "payload": {"request_id": request_id,
                                               "response": response}})

    def hop(self, command: str, response: str = "", request_id: int | None = None) -> dict:
        resp = self.post(command, response, request_id)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        data: dict = resp.get_json()
        assert data["session_id"] == self.session_id
        assert len(data["payload"]["request"]) + 4 <= 160
        return data


@pytest.fixture
def at(client: Any) -> Callable[..., ATSession]:
    def make(**kw: Any) -> ATSession:
        return ATSession(client, **kw)
    return make


@pytest.fixture
def beem(client: Any) -> Callable[..., BeemSession]:
    def make(**kw: Any) -> BeemSession:
        return BeemSession(client, **kw)
    return make
