"""The leader's board: the institutions under a root ranked worst first, with the tile map.

A thin view over :mod:`core.ranking`, read from the replica when it is fit;
the directives a leader gives are :mod:`admin.directives`.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from admin import auth
from core import ranking
from core.errors import NotFound
from core.models import Institution, Officer
from core.regions import Region, per_100k, regions
from core.scope import SEES_ALL, subtree_ids
from infra.db import read_session


def board() -> str:
    """The leader's ranking of the institutions under a root, with the tile map and trend."""
    me, s = auth.me(), read_session()  # read-only: the replica when it is fit
    try:
        root = ranking.root_for(s, me, _int_arg("root"))
    except NotFound:
        abort(404)
    board = ranking.rank(s, root)
    ids = subtree_ids(s, root.id) if root else None
    shade = request.args.get("shade", "")
    shade = shade if shade in SHADES else "overdue"
    return render_template(
        "admin/leaders.html", board=board, trail=_trail(root, me), shade=shade,
        tiles=_tiles(board, shade), weeks=ranking.weekly(s, ids), since=board.since.isoformat(),
        attention=ranking.attention(s, me), slowest=ranking.slowest_kinds(s, ids, board.since),
        region_institutions={i.code: i for i in s.scalars(select(Institution).where(
            Institution.code.in_([r.code for r in regions()])))})


SHADES = ("overdue", "open", "received")


def _tiles(board: ranking.Ranking, shade: str) -> list[tuple[Region, float, int]]:
    """Each region with its figure per 100,000 people and a shade from 0 (none) to 4."""
    values = [(r, per_100k(getattr(board.by_region.get(r.code, ranking.Figures()), shade), r))
              for r in regions()]
    peak = max((v for _, v in values), default=0.0)
    return [(r, v, min(4, int(v * 4 / peak + 0.999)) if peak else 0) for r, v in values]


def _trail(root: Institution | None, me: Officer) -> list[Institution]:
    """The drill-down path from the officer's own top to ``root``."""
    trail: list[Institution] = []
    current = root
    while current is not None:
        trail.insert(0, current)
        if current.id == me.institution_id and me.role not in SEES_ALL:
            break
        current = current.parent
    return trail


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/leaders", "leaders", auth.login_required(board))
