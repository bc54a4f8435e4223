"""The district commissioners' offices, and which councils lie in each district.

``data/districts.csv`` (beside the directory, sources in the directory's
``SOURCES`` file) lists each district's office — the district commissioner and
the district administrative secretary — under its regional secretariat, with the
codes of the councils in the district. A district office is an institution of
kind ``district`` (its parent the regional secretariat, so the region's leaders
see and direct it); each council keeps its own parent (appeals still go to the
region) and gains a ``district_id``, through which the district's leaders see the
councils of their district (:func:`core.scope.subtree_ids`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ImportFailed
from core.models import Institution

DISTRICT_KIND = "district"
SHORT_PREFIX = "DC "  # "DC Bahi": the office; the council is "Bahi DC" (place first)
FILE_NAME = "districts.csv"
COLUMNS = ("code", "region_code", "name_sw", "name_en", "short_names", "councils")


def import_districts(session: Session, text: str) -> int:
    """Load or update the district offices and link their councils; all rows or none."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ImportFailed([(1, f"the columns must be {', '.join(COLUMNS)}")])
    rows = list(reader)
    existing = {i.code: i for i in session.scalars(select(Institution))}
    problems = [(n, p) for n, row in enumerate(rows, start=2) if (p := _problem(row, existing))]
    if problems:
        raise ImportFailed(problems)
    for row in rows:
        office = existing.get(row["code"])
        if office is None:
            office = existing[row["code"]] = Institution(code=row["code"])
            session.add(office)
        office.kind, office.name_sw, office.name_en = DISTRICT_KIND, row["name_sw"], row["name_en"]
        office.short_names = row["short_names"]
        office.short_sw = office.short_en = SHORT_PREFIX + row["name_en"].split(" District")[0]
        region = existing[row["region_code"]]
        office.parent_id, office.region_code = region.id, region.code
        session.flush()
        for code in filter(None, row["councils"].split("|")):
            existing[code].district_id = office.id
    session.flush()
    return len(rows)


def _problem(row: dict[str, str], existing: dict[str, Institution]) -> str | None:
    region = existing.get(row["region_code"])
    if region is None or region.kind != "regional_secretariat":
        return f"region {row['region_code']!r} is not a regional secretariat in the directory"
    for code in filter(None, row["councils"].split("|")):
        council = existing.get(code)
        if council is None or council.kind != "lga":
            return f"council {code!r} is not a council in the directory"
        if council.region_code != region.code:
            return f"council {code} is in {council.region_code}, not {region.code}"
    if not (row["code"] and row["name_sw"] and row["name_en"]):
        return "code, name_sw and name_en are required"
    return None


def import_beside(session: Session, directory: Path) -> int:
    """Import ``districts.csv`` from beside the directory file, if there is one there."""
    path = directory.with_name(FILE_NAME)
    if not path.exists():
        return 0
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([(0, f"cannot read {path}: {exc}")]) from exc
    return import_districts(session, text)
