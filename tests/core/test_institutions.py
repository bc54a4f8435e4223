from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from core.errors import ImportFailed, UnknownInstitution
from core.institutions import (
    COLUMNS,
    SHIPPED_CSV,
    import_institutions,
    read_rows,
    submission_target,
)
from core.models import Institution

HEADER = ",".join(COLUMNS)


@pytest.fixture
def restore_directory(app):
    """Import tests change the directory; put the shipped one back afterwards."""
    yield
    with app.extensions["db"].sessionmaker() as s:
        s.query(Institution).filter(Institution.code.like("TEST-%")).update({"parent_id": None})
        s.query(Institution).filter(Institution.code.like("TEST-%")).delete()
        import_institutions(s, SHIPPED_CSV.read_text(encoding="utf-8"))
        s.commit()


def test_the_shipped_directory_is_loaded(session) -> None:
    counts = Counter(session.scalars(select(Institution.kind)))
    assert counts == {"lga": 184, "agency": 73, "ministry": 28, "regional_secretariat": 26,
                      "department": 5, "triage": 1, "district": 139}
    for code in ("TRA", "NIDA", "TANESCO", "RITA", "BRELA", "TANROADS", "TARURA", "LATRA",
                 "EWURA", "TCRA", "HESLB", "TRIAGE"):
        assert session.scalar(select(Institution).where(Institution.code == code)) is not None
    regions = session.scalars(select(Institution).where(Institution.kind == "lga")).all()
    assert all(lga.parent is not None and lga.parent.kind == "regional_secretariat"
               for lga in regions)


def test_reimport_updates_in_place(session, restore_directory) -> None:
    tra = session.scalar(select(Institution).where(Institution.code == "TRA"))
    text = SHIPPED_CSV.read_text(encoding="utf-8").replace(
        "Mamlaka ya Mapato Tanzania", "Mamlaka ya Mapato ya Tanzania (TRA)", 1)
    result = import_institutions(session, text)
    session.commit()
    assert result.created == 0 and result.updated == 317
    session.refresh(tra)
    assert tra.name_sw == "Mamlaka ya Mapato ya Tanzania (TRA)"


def test_new_rows_with_parents_later_in_the_file(session, restore_directory) -> None:
    text = (f"{HEADER}\nTEST-B,agency,Wakala B,Agency B,WB,TEST-A,\n"
            f"TEST-A,ministry,Wizara A,Ministry A,WA|Wiz A,,\n")
    result = import_institutions(session, text)
    session.commit()
    b = session.scalar(select(Institution).where(Institution.code == "TEST-B"))
    assert result.created == 2 and b is not None and b.parent is not None
    assert b.parent.code == "TEST-A" and b.parent.aliases == ["WA", "Wiz A"]


def test_submissions_see_the_directory_as_last_imported(session, restore_directory) -> None:
    with pytest.raises(UnknownInstitution):
        submission_target(session, "TEST-C")  # unknown codes are not remembered
    import_institutions(session, f"{HEADER}\nTEST-C,agency,Wakala C,Agency C,WC,,\n")
    session.commit()
    first = submission_target(session, "TEST-C")
    assert first.short_name("sw") == "WC" and submission_target(session, "TEST-C") is first
    import_institutions(session, f"{HEADER}\nTEST-C,agency,Wakala C,Agency C,Wakala C|WC,,\n")
    session.commit()
    assert submission_target(session, "TEST-C").short_name("en") == "Wakala C"


@pytest.mark.parametrize("body,line,reason", [
    ("TEST-X,planet,Sayari,Planet,,,", 3, "kind 'planet'"),
    (",agency,Wakala,Agency,,,", 3, "code is empty"),
    ("TEST-X,agency,,Agency,,,", 3, "name_sw is empty"),
    ("TEST-X,agency,Wakala,Agency,,NOPE,", 3, "parent NOPE is not in the file"),
    ("TEST-X,agency,W,A,,,\nTEST-X,agency,W,A,,,", 4, "repeats line 3"),
    ("TEST-X,agency,W,A,,TEST-X,", 3, "its own parent"),
    ("TEST X!,agency,W,A,,,", 3, "must be letters"),
])
def test_a_bad_row_is_reported_with_its_line_and_nothing_changes(session, body, line,
                                                                  reason) -> None:
    before = session.scalar(select(func.count()).select_from(Institution))
    text = f"{HEADER}\nTEST-OK,agency,Sawa,Fine,,,\n{body}\n"
    with pytest.raises(ImportFailed) as info:
        import_institutions(session, text)
    session.rollback()
    [(bad_line, why)] = info.value.problems
    assert bad_line == line and reason in why
    assert session.scalar(select(func.count()).select_from(Institution)) == before


def test_a_missing_column_is_refused(session) -> None:
    with pytest.raises(ImportFailed, match="missing column.*region_code"):
        read_rows("code,kind,name_sw,name_en,short_names,parent_code\nA,agency,W,A,,\n")


def test_every_bad_row_is_listed_not_only_the_first(session) -> None:
    text = f"{HEADER}\nA,planet,W,A,,,\nB,agency,,A,,,\nC,agency,W,A,,,\n"
    with pytest.raises(ImportFailed) as info:
        read_rows(text)
    assert [line for line, _ in info.value.problems] == [2, 3]
    assert "line 2" in str(info.value) and "line 3" in str(info.value)


def test_short_names_per_language_and_the_older_csv(session, restore_directory) -> None:
    """Issue 21: short_name(locale) honours the locale; a CSV without the columns still loads."""
    import_institutions(session, "code,kind,name_sw,name_en,short_sw,short_en,short_names,"
                        "parent_code,region_code\n"
                        "TEST-D,agency,Wakala D,Agency D,WD vyeti,WD certificates,WD,,\n")
    import_institutions(session, f"{HEADER}\nTEST-E,agency,Wakala E,Agency E,WE,,\n")
    session.commit()
    d, e = (session.scalar(select(Institution).where(Institution.code == c))
            for c in ("TEST-D", "TEST-E"))
    assert (d.short_name("sw"), d.short_name("en")) == ("WD vyeti", "WD certificates")
    assert (e.short_name("sw"), e.short_name("en")) == ("WE", "WE")
    with pytest.raises(ImportFailed):
        read_rows("code,kind,name_sw,name_en,short_sw,short_names,parent_code,region_code\n"
                  f"TEST-F,agency,W,A,{'x' * 61},,,\n")
