"""The leaders' ranking: each figure against a count of the rows, folded up the hierarchy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core import queries, ranking, services, tally
from core.errors import UnknownInstitution
from core.models import Feedback, Institution, utcnow
from core.regions import regions
from core.status import OPEN_VALUES


def inst(session, code: str) -> Institution:
    found = session.scalar(select(Institution).where(Institution.code == code))
    assert found is not None
    return found


@pytest.fixture
def spread(app, session, make_feedback, make_officer):
    """Feedback in two Dodoma councils, one Tanga council and TRA, some answered and late."""
    officer = make_officer("LGA-BAHI-DC", "head")
    made = {code: [make_feedback(institution_code=code) for _ in range(n)]
            for code, n in (("LGA-BAHI-DC", 3), ("LGA-KONDOA-DC", 1),
                            ("LGA-PANGANI-DC", 2), ("TRA", 1))}
    services.answer_feedback(session, made["LGA-BAHI-DC"][0], officer, "Tumeshughulikia")
    services.rate_feedback(session, made["LGA-BAHI-DC"][0], "0712345678", 2)
    session.commit()
    return made


def counted(session, codes: list[str], *conds) -> int:
    ids = select(Institution.id).where(Institution.code.in_(codes))
    return session.scalar(select(func.count()).select_from(Feedback).where(
        Feedback.institution_id.in_(ids), *conds)) or 0


@pytest.mark.parametrize("squash", [False, True])
def test_a_region_ranks_its_councils_worst_first_against_the_rows(app, session, spread,
                                                                  squash) -> None:
    if squash:
        tally.squash(app.extensions["db"].engine)
    later = utcnow() + timedelta(days=30)  # everything still open is overdue by then
    board = ranking.rank(session, inst(session, "RS-DODOMA"), now=later)
    codes = [r.institution.code for r in board.rows]
    assert codes[0] == "LGA-BAHI-DC" and "LGA-KONDOA-DC" in codes
    assert "LGA-PANGANI-DC" not in codes and "TRA" not in codes
    bahi = board.rows[0].figures
    assert bahi.open == counted(session, ["LGA-BAHI-DC"], Feedback.status.in_(OPEN_VALUES)) == 2
    assert bahi.overdue == 2 and bahi.received == 3 and bahi.answered == 1
    assert bahi.rating == 2.0
    assert board.scope.open == counted(session, ["LGA-BAHI-DC", "LGA-KONDOA-DC"],
                                       Feedback.status.in_(OPEN_VALUES))
    assert board.national.open == counted(
        session, ["LGA-BAHI-DC", "LGA-KONDOA-DC", "LGA-PANGANI-DC", "TRA"],
        Feedback.status.in_(OPEN_VALUES)) == 6


def test_the_country_folds_councils_into_their_region_and_region_totals(session,
                                                                        spread) -> None:
    board = ranking.rank(session, None)
    by_code = {r.institution.code: r for r in board.rows}
    ralg = by_code["PMO-RALG"]  # the regions sit under PMO-RALG, the councils under them
    assert ralg.figures.received == 6 and ralg.children == 27  # 26 regions and TARURA
    assert by_code["MOF"].figures.received == 1  # TRA is under the Ministry of Finance
    assert board.by_region["RS-DODOMA"].received == 4
    assert board.by_region["RS-TANGA"].received == 2
    assert {r.code for r in regions()} == {i.region_code for i in session.scalars(
        select(Institution).where(Institution.kind == "regional_secretariat"))}


def test_each_figures_link_lists_exactly_what_it_counts(session, spread, make_officer) -> None:
    oversight = make_officer("PO-PSMGG", "oversight")
    board = ranking.rank(session, inst(session, "RS-DODOMA"))
    for row in board.rows:
        key = row.filter
        for figure, extra in (("open", {"open": "1"}), ("overdue", {"overdue": "1"}),
                              ("received", {"since": board.since.isoformat(), "status": "all"})):
            flt = queries.InboxFilter.from_args({**{k: str(v) for k, v in key.items()}, **extra})
            rows = list(queries.iter_filtered(session, oversight, flt))
            assert len(rows) == getattr(row.figures, figure), (row.institution.code, figure)


def test_who_may_look_at_which_root(session, make_officer) -> None:
    rc = make_officer("RS-DODOMA", "head")
    assert ranking.root_for(session, rc, None).code == "RS-DODOMA"
    assert ranking.root_for(session, rc, inst(session, "LGA-BAHI-DC").id).code == "LGA-BAHI-DC"
    with pytest.raises(UnknownInstitution):
        ranking.root_for(session, rc, inst(session, "RS-TANGA").id)
    assert ranking.root_for(session, make_officer("PO-PSMGG", "oversight"), None) is None


def test_weekly_trend_counts_received_and_answered(session, spread) -> None:
    weeks = ranking.weekly(session, None)
    assert len(weeks) == 52 and weeks[-1][1] == 7 and weeks[-1][2] == 1
    assert all(monday.weekday() == 0 for monday, _, _ in weeks)
