"""The public statistics page: no login, no private data, the dashboard's figures."""

from __future__ import annotations

import pytest

from core import queries
from core.status import OPEN_VALUES
from tests.core.test_ranking_medians import answered  # noqa: F401  (the fixture: its rows)


def test_public_figures_agree_with_the_dashboard_and_hold_nothing_private(
        client, session, make_feedback, make_officer) -> None:
    make_feedback(institution_code="LGA-BAHI-DC", phone="0713111222", name="Juma Bakari",
                  description="Kisima cha Mnadani kimeharibika")
    make_feedback(institution_code="LGA-BAHI-DC", anonymous=True, phone="0713333444",
                  description="Mtendaji anaomba rushwa")
    make_feedback(institution_code="TRA")
    resp = client.get("/stats")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for private in ("0713111222", "255713111222", "Juma", "Kisima", "rushwa", "0713333444"):
        assert private not in page
    assert 'data-code="LGA-BAHI-DC"' in page and 'data-code="RS-DODOMA"' in page

    data = client.get("/stats.json").get_json()
    board = queries.dashboard(session, make_officer("PO-PSMGG", "oversight"))
    assert data["national"]["open"] == sum(board.by_status.get(s, 0) for s in OPEN_VALUES) == 3
    assert data["national"]["overdue"] == board.overdue
    bahi = next(i for i in data["institutions"] if i["code"] == "LGA-BAHI-DC")
    assert bahi["received_90_days"] == 2
    dodoma = next(r for r in data["regions"] if r["code"] == "RS-DODOMA")
    assert dodoma["open"] == 2 and dodoma["population_2022"] > 1_000_000
    assert "0713" not in resp.get_data(as_text=True) + str(data)


def test_the_page_speaks_english_when_asked(client) -> None:
    assert "public statistics" in client.get("/stats?lang=en").get_data(as_text=True)
    assert client.get("/stats?lang=%00").status_code == 200


@pytest.mark.usefixtures("answered")
def test_reports_the_stats_page_and_the_board_give_one_median_and_on_time_share(
        client, session) -> None:
    """Issue 15's one home for a rule: the same rows, the same figures on all three, and each
    the median of the rows' own working days (core.answer_time)."""
    import statistics
    from datetime import timedelta

    from sqlalchemy import select

    from core import ranking, reports
    from core.models import Feedback, Institution, utcnow

    rows = list(session.execute(select(Feedback.answer_days, Feedback.on_time, Feedback.created_at)
                                .where(Feedback.answer_days.is_not(None))))
    months = {created.date().replace(day=1) for *_, created in rows}
    assert len(rows) == 8 and len(months) == 1  # all received this month: one report holds them
    median = statistics.median(days for days, *_ in rows)
    share = sum(1 for _, on_time, _ in rows if on_time) / len(rows)

    period = reports.Period.containing("month", utcnow().date())
    report = reports.build(session, None, period, now=utcnow() + timedelta(minutes=1))
    board = ranking.rank(session, None)
    public = client.get("/stats.json").get_json()
    assert report["median_days_to_answer"] == board.national.median_days == \
        public["national"]["median_days"] == median
    assert report["on_time_rate"] == round(share, 4) and board.national.on_time_share == share
    assert public["national"]["on_time_share"] == round(share, 2)

    bahi = session.scalar(select(Institution).where(Institution.code == "LGA-BAHI-DC"))
    bahi_report = reports.build(session, bahi, period)
    bahi_public = next(i for i in public["institutions"] if i["code"] == "LGA-BAHI-DC")
    bahi_days = [d for d, *_ in session.execute(select(Feedback.answer_days).where(
        Feedback.institution_id == bahi.id, Feedback.answer_days.is_not(None)))]
    assert bahi_report["median_days_to_answer"] == bahi_public["median_days"] == \
        statistics.median(bahi_days)
    assert '<td class="n median">' in client.get("/stats").get_data(as_text=True)
