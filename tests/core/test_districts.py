"""The district level: 139 district commissioners' offices, each council in one district."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import ranking
from core.districts import import_districts
from core.errors import ImportFailed
from core.models import Institution
from core.scope import in_scope, subtree_ids


def by_code(session) -> dict[str, Institution]:
    return {i.code: i for i in session.scalars(select(Institution))}


def test_every_council_lies_in_one_district_of_its_region(session) -> None:
    insts = by_code(session)
    offices = [i for i in insts.values() if i.kind == "district"]
    councils = [i for i in insts.values() if i.kind == "lga"]
    assert len(offices) == 139 and len(councils) == 184
    assert all(o.parent is not None and o.parent.kind == "regional_secretariat"
               and o.region_code == o.parent.code for o in offices)
    linked = {o.id: [c for c in councils if c.district_id == o.id] for o in offices}
    assert all(linked.values()), [o.code for o in offices if not linked[o.id]]
    for council in councils:
        office = next(o for o in offices if o.id == council.district_id)
        assert office.region_code == council.region_code, council.code
        assert council.parent is not None and council.parent.kind == "regional_secretariat"
    assert insts["LGA-BAHI-DC"].district_id == insts["DC-BAHI"].id
    assert {c.code for c in linked[insts["DC-ARUMERU"].id]} == {"LGA-ARUSHA-DC", "LGA-MERU-DC"}
    assert insts["DC-BAHI"].name_sw == "Ofisi ya Mkuu wa Wilaya ya Bahi"


def test_a_district_leader_sees_the_councils_of_the_district(session, make_officer,
                                                              make_feedback) -> None:
    insts = by_code(session)
    dc = make_officer("DC-KONDOA", "head")
    town = make_feedback(institution_code="LGA-KONDOA-TC")
    rural = make_feedback(institution_code="LGA-KONDOA-DC")
    elsewhere = make_feedback(institution_code="LGA-BAHI-DC")
    assert in_scope(session, dc, town) and in_scope(session, dc, rural)
    assert not in_scope(session, dc, elsewhere)
    assert subtree_ids(session, insts["DC-KONDOA"].id) == {
        insts[c].id for c in ("DC-KONDOA", "LGA-KONDOA-TC", "LGA-KONDOA-DC")}
    board = ranking.rank(session, insts["DC-KONDOA"])
    assert {r.institution.code for r in board.rows} == {"LGA-KONDOA-TC", "LGA-KONDOA-DC"}
    assert board.scope.open == 2
    region = ranking.rank(session, insts["RS-DODOMA"])
    rows = {r.institution.code: r for r in region.rows}
    assert rows["DC-KONDOA"].children == 2 and rows["DC-KONDOA"].figures.open == 0
    assert region.scope.open == 3  # each council once, not again under its district


def test_a_bad_district_file_is_refused_whole(session) -> None:
    header = "code,region_code,name_sw,name_en,short_names,councils\n"
    with pytest.raises(ImportFailed) as info:
        import_districts(session, header + "DC-X,RS-TANGA,Ofisi X,X Office,X,LGA-BAHI-DC\n")
    assert "RS-DODOMA" in str(info.value.problems)
    with pytest.raises(ImportFailed):
        import_districts(session, "code,name\nDC-X,X\n")
    session.rollback()
    assert "DC-X" not in by_code(session)
