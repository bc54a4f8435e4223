from __future__ import annotations

import pytest

from core.directory import Directory, build_directory
from core.institutions import SHIPPED_CSV, read_rows
from core.models import Institution
from menus.machine import Menu


@pytest.fixture(scope="session")
def directory() -> Directory:
    """The shipped directory, built without a database: the menus never query."""
    rows = read_rows(SHIPPED_CSV.read_text(encoding="utf-8-sig"))
    return build_directory([
        Institution(code=r.code, kind=r.kind, name_sw=r.name_sw, name_en=r.name_en,
                    short_names=r.short_names, short_sw=r.short_sw, short_en=r.short_en,
                    region_code=r.region_code or None)
        for r in rows])


@pytest.fixture(scope="session")
def menu(directory: Directory) -> Menu:
    return Menu(directory)
