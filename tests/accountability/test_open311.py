"""The Open311 GeoReport v2 read API: its field list, its filters, and that it leaks nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.accountability.conftest import MONDAY, PEOPLE

# GeoReport v2, GET Service Requests: every field of a request, in the spec's order.
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
    "long", "media_url"}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type",
                  "keywords", "group"}
def get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def test_services_one_per_kind(client) -> None:
    services = get(client, "/open311/v2/services.json")
    assert {s["service_code"] for s in services} == {
        "complaint", "suggestion", "inquiry", "compliment", "opinion"}
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["metadata"] is True and service["type"] in {"realtime", "batch", "blackbox"}


def test_requests_have_exactly_the_georeport_fields(client, world) -> None:
    rows = get(client, "/open311/v2/requests.json")
    assert {r["service_request_id"] for r in rows} == {
        world["public"].reference, world["answered"].reference, world["other"].reference}
    for row in rows:
        assert set(row) == REQUEST_FIELDS
        assert row["status"] in {"open", "closed"}
        assert row["description"] is None
        for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert datetime.fromisoformat(row[field]).tzinfo is not None
    by_ref = {r["service_request_id"]: r for r in rows}
    public = by_ref[world["public"].reference]
    assert public["agency_responsible"] == world["public"].institution.name_en
    assert public["status"] == "open" and public["service_code"] == "complaint"
    assert datetime.fromisoformat(public["expected_datetime"]) \
        == world["public"].due_at.replace(microsecond=0)
    answered = by_ref[world["answered"].reference]
    assert answered["status"] == "closed" and "appeal" in answered["status_notes"]


def test_one_request_and_what_is_not_public(client, world) -> None:
    [row] = get(client, f"/open311/v2/requests/{world['public'].reference}.json")
    assert row["service_request_id"] == world["public"].reference
    for hidden in ("anonymous", "sensitive", "rejected"):
        body = get(client, f"/open311/v2/requests/{world[hidden].reference}.json", 404)
        assert body == [{"code": 404, "description": "no such service request"}]
    get(client, "/open311/v2/requests/1234567890.json", 404)  # a wrong check digit
    get(client, "/open311/v2/requests/abc.json", 404)


def test_filters_and_paging(client, world) -> None:
    def refs(query: str) -> list[str]:
        return [r["service_request_id"] for r in get(client, "/open311/v2/requests.json" + query)]

    assert set(refs("?status=closed")) == {world["answered"].reference}
    assert set(refs("?status=open")) == {world["public"].reference, world["other"].reference}
    assert set(refs("?status=open,closed")) == set(refs(""))
    assert refs("?service_code=opinion") == [world["other"].reference]
    assert set(refs("?service_code=complaint,inquiry")) == {
        world["public"].reference, world["answered"].reference}
    later = (MONDAY + timedelta(minutes=30)).isoformat()
    assert refs("?start_date=" + later.replace("+", "%2B")) == [world["other"].reference]
    assert set(refs("?end_date=" + later.replace("+", "%2B"))) == {
        world["public"].reference, world["answered"].reference}
    everything = refs("")
    assert everything[0] == world["other"].reference  # newest first
    paged = refs("?page_size=1") + refs("?page_size=1&page=2") + refs("?page_size=1&page=3")
    assert paged == everything
    assert refs("?page_size=1&page=4") == []
    assert refs(f"?service_request_id={world['public'].reference},"
                f"{world['anonymous'].reference}") == [world["public"].reference]


@pytest.mark.parametrize("query", [
    "?status=pending", "?service_code=pothole", "?start_date=yesterday",
    "?page=0", "?page_size=5000", "?page=x"])
def test_bad_parameters_are_a_clear_400(client, world, query: str) -> None:
    [error] = get(client, "/open311/v2/requests.json" + query, 400)
    assert error["code"] == 400 and error["description"]


def test_escalated_feedback_says_so(client, world, session) -> None:
    world["public"].escalated = True
    session.commit()
    [row] = get(client, f"/open311/v2/requests/{world['public'].reference}.json")
    assert "escalated to Ministry of Finance" in row["status_notes"]


def _variants(phone: str) -> set[str]:
    digits = "".join(c for c in phone if c.isdigit())
    national = "0" + digits[-9:]
    return {digits[-9:], national, "255" + digits[-9:], "+255" + digits[-9:]}


def test_no_private_data_in_any_response_of_either_format(app, client, world) -> None:
    """Every Open311 answer, XML and JSON, reads and a partner's POST: no name, number, text."""
    issued = app.test_cli_runner().invoke(args=["partners", "create", "Gazeti la Siri"])
    key = issued.output.strip().splitlines()[-1]
    posted = [client.post(f"/open311/v2/requests.{fmt}", data={
        "api_key": key, "service_code": "complaint", "phone": "0713000111",
        "first_name": "Zuhura", "last_name": "Mpinga",
        "description": "Zuhura Mpinga anasema ofisi imefungwa"}) for fmt in ("json", "xml")]
    assert [r.status_code for r in posted] == [201, 201]
    paths = ["/services", "/services/complaint", "/requests", "/requests?status=closed",
             "/requests?page_size=1", "/requests?status=open&service_code=complaint",
             *(f"/requests/{fb.reference}" for key, fb in world.items() if key != "officer")]
    officer = world["officer"]
    secrets = {officer.name, officer.email, *_variants(officer.phone), "Gazeti la Siri",
               "Zuhura", "Mpinga", *_variants("0713000111"), key}
    for phone, name in PEOPLE:
        secrets |= {name, *name.split(), *_variants(phone)}
    secrets |= {fb.description for key, fb in world.items() if key != "officer"}
    secrets |= {"Jibu kwa Baraka", "spam ya matangazo", "ofisi imefungwa"}
    bodies = [(r.request.path, r.get_data(as_text=True)) for r in posted]
    for fmt in ("json", "xml"):
        bodies += [(f"/open311/discovery.{fmt}",
                    client.get(f"/open311/discovery.{fmt}").get_data(as_text=True))]
        for path in paths:
            url = "/open311/v2" + path.replace("?", f".{fmt}?") if "?" in path else \
                f"/open311/v2{path}.{fmt}"
            bodies.append((url, client.get(url).get_data(as_text=True)))
    for url, body in bodies:
        text = json.dumps(json.loads(body)) if ".json" in url else body  # also JSON-escaped
        for secret in secrets:
            assert secret not in body and secret not in text, (url, secret)


@pytest.mark.parametrize("query", [
    "?page_size=%C2%B2",  # '²': str.isdigit says yes, int() says no
    "?page=%D9%A3",  # an Arabic-Indic three
    "?start_date=0001-01-01T00:00:00%2B14:00",  # before year 1 in UTC
    "?end_date=9999-12-31T23:59:59-12:00",  # after year 9999 in UTC
    "?service_request_id=%00",
    "?service_request_id=12%0034",
    "?status=%00", "?service_code=%00",
])
def test_hostile_parameters_are_a_400_never_a_500(client, world, query: str) -> None:
    """Issue 14: each of these was a 500 on main."""
    [error] = get(client, "/open311/v2/requests.json" + query, 400)
    assert error["code"] == 400 and "\n" not in error["description"]
    assert "\x00" not in error["description"]


def test_a_nul_in_a_single_request_is_a_404(client, world) -> None:
    [error] = get(client, "/open311/v2/requests/%00.json", 404)
    assert error["code"] == 404
