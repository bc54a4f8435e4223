"""Sema na Kiongozi in the admin: the item shows its origin, the inbox filters on it."""

from __future__ import annotations

import re


def test_the_leaders_office_sees_the_origin_and_filters_on_it(session, make_officer,
                                                              make_feedback, login) -> None:
    marked = [make_feedback(institution_code="DC-ILALA", to_leader=True,
                            description=f"Barabara ya mtaa {n} imeharibika") for n in range(2)]
    plain = make_feedback(institution_code="DC-ILALA", description="Swali la kawaida hapa")
    anon = make_feedback(institution_code="DC-ILALA", to_leader=True, anonymous=True,
                         name="Asha Juma", description="Rushwa katika ofisi ya ardhi")
    office = login(make_officer("DC-ILALA", "officer", language="en"))
    everything = office.get("/admin/").get_data(as_text=True)
    assert everything.count('href="/admin/f/') == 4
    assert everything.count('<span class="origin">Speak to a leader</span>') == 3
    listed = office.get("/admin/?leader=1").get_data(as_text=True)
    refs = set(re.findall(r'href="/admin/f/(\d{10})"', listed))
    assert refs == {f.reference for f in [*marked, anon]}
    assert 'name="leader" value="1" checked' in listed
    page = office.get(f"/admin/f/{marked[0].reference}").get_data(as_text=True)
    assert '<td id="origin"><span class="origin">Speak to a leader</span></td>' in page
    assert 'id="origin"' not in office.get(f"/admin/f/{plain.reference}").get_data(as_text=True)
    secret = office.get(f"/admin/f/{anon.reference}").get_data(as_text=True)
    assert 'id="origin"' in secret and "Asha Juma" not in secret
    assert "712345678" not in secret


def test_swahili_pages_name_it_sema_na_kiongozi(make_officer, make_feedback, login) -> None:
    fb = make_feedback(institution_code="MOWATER", to_leader=True)
    office = login(make_officer("MOWATER", "officer", language="sw"))
    assert "Sema na Kiongozi" in office.get(f"/admin/f/{fb.reference}").get_data(as_text=True)


def test_a_message_to_a_leader_cannot_be_aimed_at_a_council(make_feedback) -> None:
    import pytest

    from core.errors import InvalidFeedback
    with pytest.raises(InvalidFeedback):
        make_feedback(institution_code="LGA-MERU-DC", to_leader=True)
