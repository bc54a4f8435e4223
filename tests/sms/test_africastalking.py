"""The Africa's Talking SMS adapter read alone: its status table, its 400 reasons, its raw form.

The blueprint's answers are held by test_inbound.py and test_delivery.py; here the
adapter's own table, so a status added or dropped shows as what it settles.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import MultiDict

from core.delivery import DELIVERED, FAILED
from infra.edge import Malformed, token_ok
from sms.africastalking import FORM, parse_inbound, parse_report

FIELDS = {"id": "ATXid_1", "from": "+255712345678", "to": "15200", "text": "HELP",
          "linkId": "", "networkCode": "64004"}


@pytest.mark.parametrize(("status", "outcome"), [
    ("Success", DELIVERED), ("success", DELIVERED), ("Failed", FAILED), ("Rejected", FAILED),
    ("AbsentSubscriber", FAILED), ("Expired", FAILED), ("Sent", None), ("Buffered", None),
    ("Submitted", None), ("SomethingNew", None)])
def test_a_report_status_maps_to_one_outcome_or_none(status, outcome) -> None:
    report = parse_report({"id": " ATXid_9 ", "status": status, "failureReason": "Busy"})
    assert (report.provider_id, report.status, report.reason, report.outcome) == \
        ("ATXid_9", status, "Busy", outcome)


@pytest.mark.parametrize(("form", "reason"), [
    ({"status": "Success"}, "missing field 'id'"), ({"id": "x"}, "missing field 'status'"),
    ({"id": " ", "status": "Success"}, "empty 'id' or 'status'"),
    ({"id": "x" * 129, "status": "Success"}, "field 'id' is too long")])
def test_an_unreadable_report_is_malformed_with_its_reason(form, reason) -> None:
    with pytest.raises(Malformed, match=f"^{reason}$"):
        parse_report(form)


def _body(pairs: dict[str, str]) -> bytes:
    return urlencode(pairs).encode()


def test_a_whole_inbound_form_keeps_no_raw_copy() -> None:
    arrived = parse_inbound(MultiDict(FIELDS), _body(FIELDS), FORM)
    assert arrived is not None and arrived.problem is None and arrived.raw is None
    assert (arrived.provider_id, arrived.sender, arrived.text) == \
        ("ATXid_1", "+255712345678", "HELP")


def test_an_inbound_form_without_a_sender_is_kept_with_its_problem_and_raw() -> None:
    fields = {k: v for k, v in FIELDS.items() if k != "from"}
    arrived = parse_inbound(MultiDict(fields), _body(fields), FORM)
    assert arrived is not None and arrived.problem == "missing field 'from'"
    assert arrived.raw == {"form": [[k, v] for k, v in fields.items()]}


def test_a_callback_without_any_sms_field_is_none() -> None:
    assert parse_inbound(MultiDict({"foo": "bar"}), b"foo=bar", FORM) is None


@pytest.mark.parametrize(("expected", "given", "ok"), [
    (None, "", True), ("", "anything", True), ("s3cret", "s3cret", True),
    ("s3cret", "", False), ("s3cret", "s3cre", False), ("s3cret", "S3CRET", False)])
def test_the_callback_token_every_channel_checks(expected, given, ok) -> None:
    assert token_ok(expected, given) is ok
