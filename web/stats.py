"""The public statistics page: figures per institution and per region, with no login.

As FixMyStreet's reports and India's CPGRAMS ranking publish theirs, so that a
newspaper or a citizen can hold institutions to account. Only counts and
averages from the feedback tally (:mod:`core.ranking`), the same figures the
leaders' dashboard shows: never a number, a name or a text. ``/stats.json``
gives the same figures to a program.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core import ranking
from core.i18n import translator
from core.models import Institution
from core.regions import per_100k, regions
from infra.db import read_session as session  # a read-only page: the replica when fit

bp = Blueprint("stats", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _figures(f: ranking.Figures) -> dict[str, Any]:
    return {"open": f.open, "overdue": f.overdue, "received_90_days": f.received,
            "answered_90_days": f.answered, "days_to_answer": _round(f.days_to_answer),
            # core.answer_time's, as the leaders' board and the reports give them
            "on_time_share": _round(f.on_time_share), "median_days": f.median_days,
            "appeal_share": _round(f.appeal_share), "rating": _round(f.rating)}


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _tables() -> tuple[list[tuple[Institution, ranking.Figures]],
                       list[tuple[Any, ranking.Figures, float]], ranking.Figures]:
    s = session()
    own, _ = ranking.per_institution(s)
    institutions = {i.id: i for i in s.scalars(select(Institution).where(
        Institution.id.in_(own)))}
    rows = [(institutions[i], f) for i, f in own.items() if i in institutions]
    rows.sort(key=lambda r: (-r[1].overdue, -r[1].open, r[0].code))
    national = ranking.Figures()
    for _, f in rows:
        national.add(f)
    by_region: dict[str, ranking.Figures] = {}
    for inst, f in rows:
        if inst.region_code:
            by_region.setdefault(inst.region_code, ranking.Figures()).add(f)
    areas = [(r, by_region.get(r.code, ranking.Figures()),
              per_100k(by_region.get(r.code, ranking.Figures()).overdue, r)) for r in regions()]
    areas.sort(key=lambda a: -a[2])
    return rows, areas, national


@bp.get("/stats")
def page() -> ResponseReturnValue:
    t = translator(request.args.get("lang") or request.cookies.get("lang"))
    rows, areas, national = _tables()
    return render_template("stats/index.html", _=t._, locale=t.locale, rows=rows,
                           areas=areas, national=national)


@bp.get("/stats.json")
def data() -> ResponseReturnValue:
    rows, areas, national = _tables()
    return jsonify({
        "national": _figures(national),
        "institutions": [{"code": i.code, "name_sw": i.name_sw, "name_en": i.name_en,
                          **_figures(f)} for i, f in rows],
        "regions": [{"code": r.code, "name": r.name, "population_2022": r.population,
                     "overdue_per_100k": round(v, 2), **_figures(f)} for r, f, v in areas]})
