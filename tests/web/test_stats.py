"""The public statistics page: no login, no private data, the dashboard's figures."""

from __future__ import annotations

from core import queries
from core.status import OPEN_VALUES


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
