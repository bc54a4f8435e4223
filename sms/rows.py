"""Conditional UPDATEs as claims: the row count says whether this caller won."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session


def updated(session: Session, statement: Executable) -> int:
    """Run an UPDATE and return how many rows it changed (0: someone else got there first)."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount)
