"""Each scope rule through the test client: out of scope is 404, lists hold only the scope."""

from __future__ import annotations

import pytest

from core.models import Institution
from tests.admin.conftest import post


def parent_and_child(session) -> tuple[Institution, Institution]:
    from sqlalchemy import select

    child = session.scalar(select(Institution).where(Institution.parent_id.is_not(None)))
    return child.parent, child


def test_officer_sees_only_their_institution(login, make_officer, make_feedback) -> None:
    tra = make_feedback(institution_code="TRA", description="Kodi ya TRA")
    nida = make_feedback(institution_code="NIDA", description="Kitambulisho NIDA", channel="web")
    client = login(make_officer("TRA"))
    inbox = client.get("/admin/").get_data(as_text=True)
    assert tra.reference in inbox and nida.reference not in inbox
    assert client.get(f"/admin/f/{nida.reference}").status_code == 404
    assert client.get(f"/admin/?q={nida.reference}").get_data(as_text=True).count("/admin/f/") == 0
    assert nida.reference not in client.get("/admin/export.csv").get_data(as_text=True)


@pytest.mark.parametrize("action, data", [
    ("start", {}), ("answer", {"text": "Jibu"}), ("transfer", {"to": "TRA", "note": "Yetu"}),
    ("reject", {"reason": "Matusi"}), ("close", {}),
])
def test_out_of_scope_actions_are_404_and_change_nothing(login, make_officer, make_feedback,
                                                         session, action, data) -> None:
    nida = make_feedback(institution_code="NIDA")
    client = login(make_officer("TRA"))
    resp = post(client, f"/admin/f/{nida.reference}/{action}", data)
    assert resp.status_code == 404
    session.expire_all()
    assert nida.status == "received" and nida.institution.code == "NIDA"


def test_head_sees_the_institutions_below(login, make_officer, make_feedback, session) -> None:
    parent, child = parent_and_child(session)
    below = make_feedback(institution_code=child.code, channel="web")
    head = login(make_officer(parent.code, "head"))
    plain = login(make_officer(parent.code, "officer"))
    assert head.get(f"/admin/f/{below.reference}").status_code == 200
    assert plain.get(f"/admin/f/{below.reference}").status_code == 404
    assert below.reference in head.get("/admin/").get_data(as_text=True)
    assert below.reference not in plain.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["oversight", "admin"])
def test_oversight_sees_all(login, make_officer, make_feedback, role) -> None:
    nida = make_feedback(institution_code="NIDA")
    client = login(make_officer("TRA", role))
    assert client.get(f"/admin/f/{nida.reference}").status_code == 200
    assert nida.reference in client.get("/admin/").get_data(as_text=True)


def test_dashboard_counts_only_the_scope(login, make_officer, make_feedback) -> None:
    make_feedback(institution_code="NIDA", channel="web")
    make_feedback(institution_code="NIDA", channel="web")
    make_feedback(institution_code="TRA", channel="web")
    body = login(make_officer("TRA", language="en")).get("/admin/dashboard").get_data(
        as_text=True)
    counts = body.split('id="counts"')[1].split("</div>\n</div>")[0]
    assert "Received<b>1</b>" in counts.replace("\n", "")
