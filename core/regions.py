"""The mainland regions as shipped data: 2022 census population and the tile map's grid.

``data/regions.csv`` (sources in ``data/regions-SOURCES.md``) keys each region by
the ``region_code`` the institution directory carries.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    population: int
    col: int
    row: int


@lru_cache(maxsize=4)
def regions(path: Path = REGIONS_CSV) -> tuple[Region, ...]:
    with path.open(newline="", encoding="utf-8") as fh:
        return tuple(Region(r["code"], r["name"], int(r["population_2022"]), int(r["col"]),
                            int(r["row"])) for r in csv.DictReader(fh))


def per_100k(count: int, region: Region) -> float:
    return count * 100_000 / region.population if region.population else 0.0
