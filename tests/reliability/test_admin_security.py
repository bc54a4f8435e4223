"""Every admin URL as every role; CSRF on every POST; escaping; CSV formula injection.

Table-driven from the app's own URL map, so a page added later is covered too.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from werkzeug.routing import Rule

from tests.conftest import PASSWORD

PUBLIC = {"admin.login", "admin.static", "admin.logout"}
NASTY = '<script>alert("x")</script> =HYPERLINK("http://evil") <b>bold</b>'


def admin_rules(app) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules()
             if r.rule.startswith("/admin") and r.endpoint not in PUBLIC
             and "static" not in r.endpoint]
    assert rules, "no officer page is mounted under /admin"  # a removed blueprint fails
    return rules


def url_for_rule(rule: Rule, feedback: Any, officer: Any) -> str:
    """Fill every argument with the out-of-scope feedback (or officer) it names."""
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        conv = rule._converters.get(arg)
        name = arg.lower()
        if "ref" in name:
            values[arg] = feedback.reference
        elif "officer" in name or "user" in name:
            values[arg] = officer.id
        elif "inst" in name or "code" in name:
            values[arg] = feedback.institution.code
        elif conv is not None and type(conv).__name__ in ("IntegerConverter",):
            values[arg] = feedback.id
        else:
            values[arg] = str(feedback.id)
    _, path = rule.build(values, append_unknown=False)  # type: ignore[misc]
    return path


def login(client, officer) -> None:
    page = client.get("/admin/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data) or \
        re.search(rb'value="([^"]+)"[^>]*name="csrf_token"', page.data)
    data = {"email": officer.email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1).decode()
    resp = client.post("/admin/login", data=data)
    assert resp.status_code in (302, 303), resp.data[:500]


@pytest.fixture
def world(app, make_officer, make_feedback, session) -> dict[str, Any]:
    admin_rules(app)  # fails when the admin blueprint is gone
    tra = make_feedback(institution_code="TRA", description=NASTY, name="Asha Juma",
                        phone="0712345678")
    anon = make_feedback(institution_code="TRA", description="Siri kabisa", anonymous=True,
                         phone="0754321987")
    return {"feedback": tra, "anon": anon,
            "tra": make_officer("TRA", "officer"), "nida": make_officer("NIDA", "officer"),
            "nida_head": make_officer("NIDA", "head"),
            "oversight": make_officer("TRA", "oversight"), "admin": make_officer("TRA", "admin")}


def test_every_admin_url_requires_login(app, client, world) -> None:
    for rule in admin_rules(app):
        path = url_for_rule(rule, world["feedback"], world["tra"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(path, method=method)
            assert resp.status_code in (302, 303, 401, 400), (method, path, resp.status_code)
            if resp.status_code in (302, 303):
                assert "/admin/login" in resp.headers["Location"], (path, resp.headers)


@pytest.mark.parametrize("role", ["nida", "nida_head"])
def test_out_of_scope_feedback_is_404_for_every_admin_url(app, client, world, role) -> None:
    login(client, world[role])
    for rule in admin_rules(app):
        if not rule.arguments or "GET" not in rule.methods:
            continue
        path = url_for_rule(rule, world["feedback"], world["tra"])
        resp = client.get(path)
        assert resp.status_code in (403, 404), (role, path, resp.status_code)
        assert b"Nimesubiri" not in resp.data and b"0712345678" not in resp.data


def page_text(resp) -> str:
    """The body as text; an XLSX export as the CSV of its cells (not HTML: never escaped)."""
    if not resp.mimetype.endswith("spreadsheetml.sheet"):
        return resp.get_data(as_text=True)
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(resp.data), read_only=True).active
    buf = io.StringIO()
    csv.writer(buf).writerows(sheet.iter_rows(values_only=True))
    return buf.getvalue()


@pytest.mark.parametrize("role", ["tra", "oversight", "admin"])
def test_in_scope_pages_answer_and_escape_citizen_text(app, client, world, role) -> None:
    login(client, world[role])
    for rule in admin_rules(app):
        if "GET" not in rule.methods:
            continue
        path = url_for_rule(rule, world["feedback"], world["tra"])
        resp = client.get(path)
        assert resp.status_code < 500, (role, path, resp.status_code)
        body = page_text(resp)
        assert '<script>alert("x")</script>' not in body, path
        assert "Traceback" not in body
        assert "0754321987" not in body and "+255754321987" not in body, path  # anonymous
        if rule.endpoint == "admin.feedback":
            assert resp.status_code == 200 and "&lt;script&gt;" in body   # shown, escaped
            anon = client.get(url_for_rule(rule, world["anon"], world["tra"]))
            assert anon.status_code == 200 and b"Siri kabisa" in anon.data
            assert b"754321987" not in anon.data


def test_every_admin_post_refuses_a_missing_csrf_token(app, client, world) -> None:
    login(client, world["admin"])
    for rule in admin_rules(app):
        if "POST" not in rule.methods:
            continue
        path = url_for_rule(rule, world["feedback"], world["tra"])
        resp = client.post(path, data={"text": "x" * 10, "note": "x" * 10, "reason": "x" * 10})
        assert resp.status_code in (400, 403), (path, resp.status_code)


def test_login_itself_refuses_a_missing_csrf_token(app, client, world) -> None:
    admin_rules(app)
    resp = client.post("/admin/login", data={"email": world["tra"].email, "password": PASSWORD})
    assert resp.status_code in (200, 400, 403)
    assert client.get("/admin/").status_code in (302, 303, 401)


@pytest.mark.parametrize("bad", ["0", "-1", "999999999", "abc", "1" * 400, "%00", "1;DROP"])
def test_invalid_ids_are_404_never_500(app, client, world, bad) -> None:
    login(client, world["oversight"])
    for rule in admin_rules(app):
        if not rule.arguments or "GET" not in rule.methods:
            continue
        prefix = rule.rule.split("<")[0]
        resp = client.get(prefix + bad)
        assert resp.status_code in (400, 404), (prefix + bad, resp.status_code)


def test_csv_export_neutralises_formulas_and_hides_anonymous_numbers(app, client, world) -> None:
    exports = [r for r in admin_rules(app) if "export" in r.rule or "csv" in r.rule]
    assert exports, "no CSV export is mounted under /admin"
    login(client, world["oversight"])
    for rule in exports:
        resp = client.get(url_for_rule(rule, world["feedback"], world["tra"]))
        assert resp.status_code == 200
        rows = list(csv.reader(io.StringIO(page_text(resp))))  # the XLSX export too
        cells = [cell for row in rows for cell in row]
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells
                       if cell and not re.fullmatch(r"-?\d+(\.\d+)?", cell)), cells
        assert any("HYPERLINK" in cell for cell in cells)
        text = page_text(resp)
        assert "754321987" not in text


def test_over_long_form_fields_are_refused_cleanly(app, client, world) -> None:
    login(client, world["admin"])
    page = client.get("/admin/login")
    assert page.status_code in (200, 302)
    for rule in admin_rules(app):
        if "POST" not in rule.methods:
            continue
        path = url_for_rule(rule, world["feedback"], world["tra"])
        form = client.get(path) if "GET" in rule.methods else None
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', form.data) if form else None
        data = {k: "x" * 100_000 for k in ("text", "note", "reason", "description", "name",
                                           "email", "answer", "q")}
        if token:
            data["csrf_token"] = token.group(1).decode()
        resp = client.post(path, data=data)
        assert resp.status_code < 500, (path, resp.status_code)
