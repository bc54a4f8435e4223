"""The leaders' dashboard page: scope, drill-down links, the tile map, refusals."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from core import accountability, directives, ranking
from core.models import Institution, utcnow


def inst_id(session, code: str) -> int:
    found = session.scalar(select(Institution.id).where(Institution.code == code))
    assert found is not None
    return found


def test_a_regional_leader_sees_the_councils_ranked_with_links(session, make_officer,
                                                                make_feedback, login) -> None:
    for _ in range(2):
        make_feedback(institution_code="LGA-BAHI-DC")
    make_feedback(institution_code="LGA-PANGANI-DC")
    rc = login(make_officer("RS-DODOMA", "head", language="en"))
    page = rc.get("/admin/leaders").get_data(as_text=True)
    first = re.search(r'<tbody>\s*<tr data-code="([^"]+)"', page)
    assert first and first.group(1) == "LGA-BAHI-DC"
    assert "LGA-PANGANI-DC" not in page
    bahi = inst_id(session, "LGA-BAHI-DC")
    assert f'href="/admin/?open=1&amp;under={bahi}">2</a>' in page
    listed = rc.get(f"/admin/?open=1&under={bahi}").get_data(as_text=True)
    assert listed.count('href="/admin/f/') == 2
    assert 'data-region="RS-DODOMA"' in page and 'class="tile shade-4"' not in page  # none late
    shaded = rc.get("/admin/leaders?shade=received").get_data(as_text=True)
    assert re.search(r'class="tile shade-4" data-region="RS-(DODOMA|TANGA)"', shaded)


def test_oversight_drills_from_the_country_to_a_region(session, make_officer, make_feedback,
                                                       login) -> None:
    make_feedback(institution_code="LGA-PANGANI-DC")
    chief = login(make_officer("PO-PSMGG", "oversight", language="en"))
    page = chief.get("/admin/leaders").get_data(as_text=True)
    ralg = inst_id(session, "PMO-RALG")
    assert f'href="/admin/leaders?root={ralg}"' in page
    tanga = inst_id(session, "RS-TANGA")
    assert f'href="/admin/leaders?root={tanga}&amp;shade=overdue"' in page  # the tile
    region = chief.get(f"/admin/leaders?root={tanga}").get_data(as_text=True)
    assert 'data-code="LGA-PANGANI-DC"' in region and "Tanzania" in region


def test_a_root_outside_the_scope_or_malformed_is_refused_cleanly(session, make_officer,
                                                                  login) -> None:
    rc = login(make_officer("RS-DODOMA", "head"))
    assert rc.get(f"/admin/leaders?root={inst_id(session, 'RS-TANGA')}").status_code == 404
    for bad in ("%00", "²", "-1", "99999999999999", "abc"):
        assert rc.get(f"/admin/leaders?root={bad}").status_code == 200
    assert rc.get("/admin/leaders?shade=%00").status_code == 200


def test_escalated_items_and_late_directives_are_put_before_the_leader(
        session, make_officer, make_feedback, login) -> None:
    late = make_feedback(institution_code="LGA-BAHI-DC")
    head = make_officer("RS-DODOMA", "head", language="en")
    directives.issue_directive(session, late, head, "Answer the citizen", days=1)
    session.commit()
    accountability.escalate_feedback(session, late, utcnow())
    session.commit()
    rc = login(head)
    page = rc.get("/admin/leaders").get_data(as_text=True)
    assert "Escalated to you<b>1</b>" in page.replace("\n", "")
    listed = rc.get("/admin/?escalated=1&open=1").get_data(as_text=True)
    assert late.reference in listed
    d = directives.for_feedback(session, late)[0]
    assert directives.send_directive_reminders(session, d.due_at + timedelta(hours=1)) == 0
    assert ranking.attention(session, head, d.due_at + timedelta(hours=1)) == (1, 1)
