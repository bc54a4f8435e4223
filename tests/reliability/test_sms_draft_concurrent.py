"""Issue 21: several SMS carrying one draft's code at once make exactly one feedback."""

from __future__ import annotations

import itertools
import re

from tests.reliability.conftest import assert_mounted
from tests.reliability.phone import Phone, counts
from tests.reliability.test_duplicates import concurrently

_ids = itertools.count(1)


def test_concurrent_messages_with_one_code_make_one_feedback(fault_env) -> None:
    app = fault_env["app"]
    assert_mounted(app, "/sms/africastalking/inbound")
    phone = Phone(app.test_client())
    phone.dial()
    for value in ["9", "2", "1", "4", "1"]:          # complaint, the desk, by SMS
        phone.send(value)
    end = phone.send("1")                            # known, with my number
    match = re.search(r": (\d{4}),", end)
    assert end.startswith("END ") and match, end

    def post(text: str) -> int:
        return int(app.test_client().post("/sms/africastalking/inbound", data={
            "from": phone.number, "to": "15200", "text": text,
            "date": "2026-12-01 22:00:00", "id": f"ATXid_draft_{next(_ids)}", "linkId": "",
            "networkCode": "64004"}).status_code)

    assert post("MSAADA") == 200    # the number is a subscriber before the race
    assert concurrently(6, lambda: post(f"{match.group(1)} Maji hayatoki")) == [200] * 6
    assert counts(app) == (1, 1, 1)
