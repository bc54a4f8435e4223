"""Filing feedback through Open311 with a partner's api_key: keys, limits, channel, privacy."""

from __future__ import annotations

import hashlib
from xml.etree import ElementTree as ET

import pytest
import requests
import xmltodict
from sqlalchemy import select

from core.errors import RateLimited
from core.institutions import TRIAGE_CODE
from core.models import Event, Feedback, OutboundMessage, Partner
from core.references import parse_reference

URL = "/open311/v2/requests"


@pytest.fixture
def issue_key(app):
    """``flask partners create NAME`` as an operator runs it; returns the printed key."""
    def issue(name: str = "Gazeti App") -> str:
        result = app.test_cli_runner().invoke(args=["partners", "create", name])
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]
    return issue


def form(key: str, **extra: str) -> dict[str, str]:
    return {"api_key": key, "service_code": "complaint",
            "description": "Barabara ya Kimara imeharibika tangu Januari", **extra}


def test_the_cli_issues_keys_stored_only_hashed_lists_and_revokes(app, session,
                                                                  issue_key) -> None:
    key = issue_key("Gazeti App")
    assert len(key) >= 40
    partner = session.scalar(select(Partner))
    assert partner.name == "Gazeti App"
    assert partner.key_hash == hashlib.sha256(key.encode()).hexdigest() != key
    runner = app.test_cli_runner()
    again = runner.invoke(args=["partners", "create", "Gazeti App"])
    assert again.exit_code == 1 and "exists" in again.output
    listed = runner.invoke(args=["partners", "list"])
    assert "Gazeti App\tactive" in listed.output and key not in listed.output
    assert runner.invoke(args=["partners", "revoke", "Gazeti App"]).exit_code == 0
    assert "revoked" in runner.invoke(args=["partners", "list"]).output
    assert runner.invoke(args=["partners", "revoke", "Nobody"]).exit_code == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_partner_files_feedback_over_http(live_server, session, issue_key, fmt) -> None:
    key = issue_key()
    response = requests.post(f"{live_server}{URL}.{fmt}", data=form(
        key, phone="0712 345 678", first_name="Asha", last_name="Said",
        **{"attribute[institution]": "TRA", "attribute[language]": "en"}), timeout=10)
    assert response.status_code == 201, response.text
    if fmt == "json":
        [answer] = response.json()
    else:
        assert response.headers["Content-Type"].startswith("text/xml")
        answer = xmltodict.parse(response.content)["service_requests"]["request"]
    reference = parse_reference(answer["service_request_id"])
    feedback = session.scalar(select(Feedback).where(Feedback.reference == reference))
    partner = session.scalar(select(Partner))
    assert feedback.channel == "partner" and feedback.partner_id == partner.id
    assert feedback.institution.code == "TRA" and feedback.kind == "complaint"
    assert feedback.submitter_phone == "+255712345678" and feedback.submitter_name == "Asha Said"
    assert feedback.language == "en" and not feedback.anonymous
    [sms] = session.scalars(select(OutboundMessage).where(
        OutboundMessage.feedback_id == feedback.id)).all()
    assert sms.purpose == "reference" and reference in sms.text
    assert sms.phone == feedback.submitter_phone
    created = session.scalar(select(Event).where(Event.feedback_id == feedback.id,
                                                 Event.kind == "created"))
    assert created.data["channel"] == "partner"


def test_without_an_institution_it_goes_to_the_desk_and_anonymity_holds(client, session,
                                                                         issue_key) -> None:
    key = issue_key()
    response = client.post(f"{URL}.json", data=form(
        key, phone="0754111222", first_name="Baraka", **{"attribute[anonymous]": "true"}))
    assert response.status_code == 201
    [answer] = response.get_json()
    feedback = session.scalar(select(Feedback))
    assert answer["service_request_id"] == feedback.reference
    assert feedback.anonymous and feedback.submitter_name is None
    assert feedback.institution.code == TRIAGE_CODE
    # Anonymous: it never appears in the public read API, under any filter.
    assert client.get(f"/open311/v2/requests/{feedback.reference}.json").status_code == 404
    body = client.get(f"{URL}.json").get_data(as_text=True)
    assert feedback.reference not in body and "0754111222" not in body


def test_agency_responsible_names_the_institution(client, session, issue_key) -> None:
    response = client.post(f"{URL}.json", data=form(issue_key(), agency_responsible="TANESCO"))
    assert response.status_code == 201
    assert session.scalar(select(Feedback)).institution.code == "TANESCO"


@pytest.mark.parametrize(("data", "status"), [
    ({}, 403),
    ({"api_key": "not-a-key"}, 403),
    ({"api_key": "\x00"}, 403),
    ({"service_code": "pothole"}, 400),
    ({"description": ""}, 400),
    ({"description": "ab\x00cd"}, 400),
    ({"attribute[institution]": "NOPE"}, 400),
    ({"attribute[institution]": "TRA\x00"}, 400),
    ({"attribute[anonymous]": "perhaps"}, 400),
    ({"attribute[language]": "fr"}, 400),
    ({"phone": "12"}, 400),
    ({"jurisdiction_id": "chicago.il"}, 404),
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_refusals_are_georeport_errors_and_store_nothing(client, session, issue_key,
                                                         data, status, fmt) -> None:
    body = {**form(issue_key()), **data} if data else {}
    response = client.post(f"{URL}.{fmt}", data=body)
    assert response.status_code == status, response.get_data(as_text=True)
    if fmt == "json":
        [error] = response.get_json()
        code, description = error["code"], error["description"]
    else:
        root = ET.fromstring(response.data)
        code, description = int(root.findtext("error/code")), root.findtext("error/description")
    assert code == status and description and "\n" not in description
    assert session.scalar(select(Feedback.id)) is None


def test_a_revoked_key_stops_working(app, client, issue_key) -> None:
    key = issue_key("Old App")
    assert client.post(f"{URL}.json", data=form(key)).status_code == 201
    app.test_cli_runner().invoke(args=["partners", "revoke", "Old App"])
    response = client.post(f"{URL}.json", data=form(key))
    assert response.status_code == 403


def test_each_key_has_its_own_rate_limit(app, client, issue_key) -> None:
    first, second = issue_key("First"), issue_key("Second")
    app.config["OPEN311_KEY_RATE_LIMIT"] = "2 per minute"
    try:
        assert [client.post(f"{URL}.json", data=form(first)).status_code
                for _ in range(3)] == [201, 201, 429]
        limited = client.post(f"{URL}.xml", data=form(first))
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert ET.fromstring(limited.data).findtext("error/code") == "429"
        assert client.post(f"{URL}.json", data=form(second)).status_code == 201
    finally:
        app.config["OPEN311_KEY_RATE_LIMIT"] = "30 per minute;1000 per day"


def test_the_per_number_limit_counts_partner_submissions_too(client, session, make_feedback,
                                                             issue_key) -> None:
    """The same limit as USSD and SMS: a partner's app is no way around it."""
    key = issue_key()
    for _ in range(9):
        make_feedback(phone="0712345678", channel="sms")
    assert client.post(f"{URL}.json", data=form(key, phone="0712345678")).status_code == 201
    refused = client.post(f"{URL}.json", data=form(key, phone="0712345678"))
    assert refused.status_code == 429
    session.rollback()
    with pytest.raises(RateLimited):  # and an SMS after it counts the partner's one
        make_feedback(phone="0712345678", channel="sms")
