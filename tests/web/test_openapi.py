"""The OpenAPI document: in step with the routes both ways, and the running app fuzzed from it.

schemathesis reads ``/openapi.json`` from the app on a real socket and sends
each operation a bounded number of generated requests (valid ones, and the
coverage phase's edge and invalid values), checking that no answer is a 5xx,
that JSON bodies match the documented schema and that every content type is the
documented one.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from web.openapi import document

OUTSIDERS = ("ussd", "sms", "open311")  # blueprints an outsider calls
APP_LEVEL = ("healthz", "readyz", "openapi")
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
# Bounded for the suite's time; FUZZ_EXAMPLES=500 for a deeper run by hand.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def outsider_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0] if "." in rule.endpoint else None
        if blueprint in OUTSIDERS or rule.endpoint in APP_LEVEL:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in (rule.methods or set()) & METHODS}
    return routes


def documented() -> set[tuple[str, str]]:
    return {(path, method) for path, item in document()["paths"].items() for method in item}


def test_every_outsider_route_is_documented_and_nothing_else(app) -> None:
    routes = outsider_routes(app)
    assert routes - documented() == set(), "routes missing from the document"
    assert documented() - routes == set(), "documented operations the app does not have"


def test_the_document_is_served(client) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == document()


def test_the_readme_links_it() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "/openapi.json" in readme


@pytest.fixture
def api_key(app) -> str:
    result = app.test_cli_runner().invoke(args=["partners", "create", "Fuzzer"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


# Built from the document the app serves (test_the_document_is_served holds them equal);
# schemathesis' lazy from_fixture loader does not run under pytest 9.
schema = schemathesis.openapi.from_dict(document())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_running_app_answers_as_documented(case: Any, live_server: str,
                                               api_key: str) -> None:
    if case.method == "POST" and case.path.startswith("/open311") and isinstance(case.body,
                                                                                  dict):
        case.body["api_key"] = api_key  # a working key: the fuzzer reaches the submission
    case.call_and_validate(base_url=live_server, checks=CHECKS, timeout=10)
