"""Open311 GeoReport v2 in both formats, read by a third-party client against the running app.

``georeport`` (PyPI) is an off-the-shelf GeoReport v2 client; it speaks JSON
or XML (parsed with xmltodict) over real HTTP to ``live_server``.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
import requests
from georeport import GeoReport

from tests.accountability.test_open311 import REQUEST_FIELDS, SERVICE_FIELDS

BASE = "/open311/v2"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_third_party_client_reads_every_endpoint(live_server, world, fmt) -> None:
    client = GeoReport(live_server + BASE, jurisdiction="mrejesho.go.tz", output_format=fmt)
    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {
        "complaint", "suggestion", "inquiry", "compliment", "opinion"}
    assert all(set(s) == SERVICE_FIELDS for s in services)
    definition = client.get_service_definition("complaint")
    assert definition["service_code"] == "complaint"
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["institution", "anonymous", "language"]
    rows = client.get_service_requests(status="open,closed")
    assert {r["service_request_id"] for r in rows} == {
        world["public"].reference, world["answered"].reference, world["other"].reference}
    assert all(set(r) == REQUEST_FIELDS for r in rows)
    one = client.get_service_request(world["public"].reference)
    assert one["service_request_id"] == world["public"].reference
    assert one["status"] == "open" and one["service_code"] == "complaint"
    closed = client.get_service_requests(status="closed")
    if fmt == "xml":  # xmltodict gives a lone child as a dict, not a list of one
        closed = [closed]
    assert [r["service_request_id"] for r in closed] == [world["answered"].reference]
    with pytest.raises(requests.HTTPError):
        client.get_service_request(world["anonymous"].reference)


def test_xml_is_the_specifications_shape(client, world) -> None:
    response = client.get(f"{BASE}/requests.xml?status=closed")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "service_requests"
    [item] = root
    assert item.tag == "request"
    assert {child.tag for child in item} == REQUEST_FIELDS
    assert item.findtext("status") == "closed"
    assert item.find("description").text is None  # null: an empty element
    assert item.findtext("requested_datetime").endswith("+03:00")  # W3C, East Africa Time
    services = ET.fromstring(client.get(f"{BASE}/services.xml").data)
    assert services.tag == "services" and {s.tag for s in services} == {"service"}
    assert services.find("service/metadata").text == "true"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, fmt) -> None:
    response = client.get(f"/open311/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        document = response.get_json()
        [endpoint] = document["endpoints"]
        assert endpoint["url"].endswith("/open311/v2")
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert document["key_service"]
    else:
        root = ET.fromstring(response.data)
        assert root.tag == "discovery"
        assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
            "text/xml", "application/json"]


@pytest.mark.parametrize(("url", "status"), [
    (f"{BASE}/requests/1234567890.xml", 404),
    (f"{BASE}/services/pothole.xml", 404),
    (f"{BASE}/requests.xml?status=pending", 400),
    (f"{BASE}/requests.xml?page_size=%C2%B2", 400),
    (f"{BASE}/services.xml?jurisdiction_id=chicago.il", 404),
    (f"{BASE}/nothing.xml", 404),
])
def test_errors_are_georeport_xml_in_xml(client, url, status) -> None:
    response = client.get(url)
    assert response.status_code == status and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "errors"
    assert root.findtext("error/code") == str(status) and root.findtext("error/description")


def test_errors_are_georeport_json_in_json(client) -> None:
    response = client.get(f"{BASE}/services.json?jurisdiction_id=chicago.il")
    assert response.status_code == 404
    assert response.get_json() == [{"code": 404, "description": "unknown jurisdiction_id"}]
    response = client.delete(f"{BASE}/services.json")
    assert response.status_code == 405 and response.get_json()[0]["code"] == 405
    assert "GET" in response.headers["Allow"]


def test_our_jurisdiction_is_accepted(client) -> None:
    response = client.get(f"{BASE}/services.json?jurisdiction_id=mrejesho.go.tz")
    assert response.status_code == 200 and len(response.get_json()) == 5


def test_a_nul_in_xml_never_breaks_the_document(client) -> None:
    response = client.get(f"{BASE}/requests.xml?status=%00%01")
    assert response.status_code == 400
    assert ET.fromstring(response.data).findtext("error/code") == "400"
