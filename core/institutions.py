"""The institution directory: read a CSV, check every row, load it in one go.

A deployment replaces the shipped ``data/institutions.csv`` with its own. An
import either loads every row or none: all bad rows are reported with their
line numbers first, then existing institutions are updated in place (their ids,
and so their feedback, stay) and new ones added, in the caller's transaction.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cachetools import TTLCache, cached
from sqlalchemy import URL, select
from sqlalchemy.orm import Session

from core.districts import import_beside
from core.errors import ImportFailed, UnknownInstitution
from core.models import Institution

COLUMNS = ("code", "kind", "name_sw", "name_en", "short_names", "parent_code", "region_code")
# Optional, so an older deployment's CSV still imports: the short name per language.
SHORT_COLUMNS = ("short_sw", "short_en")
KINDS = frozenset({"ministry", "regional_secretariat", "lga", "agency", "department", "triage",
                   "district"})
TRIAGE_CODE = "TRIAGE"
SHIPPED_CSV = Path(__file__).resolve().parent.parent / "data" / "institutions.csv"
MAX_NAME = 200
MAX_CODE = 40
MAX_SHORT = 60


@dataclass(frozen=True)
class Row:
    line: int
    code: str
    kind: str
    name_sw: str
    name_en: str
    short_names: str
    parent_code: str
    region_code: str
    short_sw: str = ""
    short_en: str = ""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def read_rows(text: str) -> list[Row]:
    """Parse and check the CSV ``text``; raise ImportFailed listing every bad row."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportFailed([(1, f"missing column(s): {', '.join(missing)}")])
    rows: list[Row] = []
    problems: list[tuple[int, str]] = []
    for record in reader:
        line = reader.line_num
        values = {c: " ".join((record.get(c) or "").split()) for c in COLUMNS + SHORT_COLUMNS}
        problem = _row_problem(values)
        if problem:
            problems.append((line, problem))
        else:
            rows.append(Row(line=line, **values))
    problems.extend(_cross_problems(rows))
    if not rows and not problems:
        problems.append((1, "no institutions in the file"))
    if problems:
        raise ImportFailed(sorted(problems))
    return rows


def _row_problem(values: dict[str, str]) -> str | None:
    if not values["code"]:
        return "code is empty"
    if len(values["code"]) > MAX_CODE or not values["code"].replace("-", "").isalnum():
        return f"code {values['code']!r} must be letters, digits and '-' (at most {MAX_CODE})"
    if values["kind"] not in KINDS:
        return f"kind {values['kind']!r} is not one of {', '.join(sorted(KINDS))}"
    for column in ("name_sw", "name_en"):
        if not values[column]:
            return f"{column} is empty"
        if len(values[column]) > MAX_NAME:
            return f"{column} is longer than {MAX_NAME} characters"
    for column in SHORT_COLUMNS:
        if len(values[column]) > MAX_SHORT:
            return f"{column} is longer than {MAX_SHORT} characters"
    if values["parent_code"] == values["code"]:
        return "an institution cannot be its own parent"
    return None


def _cross_problems(rows: list[Row]) -> Iterable[tuple[int, str]]:
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            yield row.line, f"code {row.code} repeats line {seen[row.code]}"
        seen.setdefault(row.code, row.line)
    for row in rows:
        if row.parent_code and row.parent_code not in seen:
            yield row.line, f"parent {row.parent_code} is not in the file"


def import_institutions(session: Session, text: str) -> ImportResult:
    """Load or update the directory from CSV ``text``; all rows or none."""
    rows = read_rows(text)
    existing = {i.code: i for i in session.scalars(select(Institution))}
    created = updated = 0
    by_code: dict[str, Institution] = {}
    for row in rows:  # first pass: every row exists, so parents can point anywhere
        inst = existing.get(row.code)
        if inst is None:
            inst = Institution(code=row.code)
            session.add(inst)
            created += 1
        else:
            updated += 1
        inst.kind, inst.name_sw, inst.name_en = row.kind, row.name_sw, row.name_en
        inst.short_sw, inst.short_en = row.short_sw, row.short_en
        inst.short_names = "|".join(s.strip() for s in row.short_names.split("|") if s.strip())
        inst.region_code = row.region_code or None
        by_code[row.code] = inst
    session.flush()
    for row in rows:
        by_code[row.code].parent_id = by_code[row.parent_code].id if row.parent_code else None
    session.flush()
    forget_targets()
    return ImportResult(created=created, updated=updated)


def get_institution(session: Session, code: str) -> Institution:
    inst = session.scalar(select(Institution).where(Institution.code == code))
    if inst is None:
        raise UnknownInstitution(f"no institution with code {code!r}")
    return inst


@dataclass(frozen=True)
class Target:
    """What a new submission needs of the institution it names."""

    id: int
    code: str
    short_sw: str
    short_en: str
    kind: str = ""

    def short_name(self, locale: str) -> str:
        return self.short_en if locale == "en" else self.short_sw


TARGET_SECONDS = 300
_targets: TTLCache[tuple[URL, str], Target] = TTLCache(maxsize=4096, ttl=TARGET_SECONDS)
_targets_lock = threading.Lock()


def _target_key(session: Session, code: str) -> tuple[URL, str]:
    return session.get_bind().engine.url, code  # URLs are immutable and hashable


@cached(_targets, key=_target_key, lock=_targets_lock)
def submission_target(session: Session, code: str) -> Target:
    """The institution named ``code``, from a five-minute cache in this process.

    Every submission names one, and the directory changes only by an import,
    which empties this process's cache (other processes follow within
    ``TARGET_SECONDS``). An unknown code is never cached.
    """
    inst = get_institution(session, code)
    return Target(inst.id, inst.code, inst.short_name("sw"), inst.short_name("en"), inst.kind)


def forget_targets() -> None:
    with _targets_lock:
        _targets.clear()


def import_file(session: Session, path: Path | str) -> ImportResult:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed([(0, f"cannot read {path}: {exc}")]) from exc
    result = import_institutions(session, text)
    import_beside(session, Path(path))  # the district offices build on the directory
    return result
