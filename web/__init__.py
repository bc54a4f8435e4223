"""The composition root: ``create_app`` wires config, database, Redis, rq and blueprints.

Configuration is read once (:mod:`web.config`); core's policies built from it
reach core one way, on the sessionmaker every request, job and command uses.

Nothing here runs at import time; ``wsgi.py`` calls the factory. The arrows
point down only (docs/architecture.md): this package imports the channels and
``infra/``, and nothing below imports it, so every import can sit at the top.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, redirect, url_for

import admin.views
import open311.views
import sms.views
import ussd.views
from infra import db, directory, edge, kv, metrics, security
from sms.jobs import enqueue_messages
from ussd import lean
from web import cli, config, health, openapi, schedule, simulator, stats


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    db.init_app(app, dispatch=_sms_dispatcher(app), policies=config.policies(app.config))
    kv.init_app(app)
    directory.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    return app


def _sms_dispatcher(app: Flask) -> db.Dispatch:
    """Committed SMS ids go to rq (see :func:`sms.jobs.enqueue_messages`) on the app's queue,
    with the commit's metric counts in the same round trip (they go to the same Redis)."""

    def dispatch(ids: list[int], info: dict[str, Any]) -> None:
        enqueue_messages(kv.queue(app), ids, also=metrics.take_counts(info))

    return dispatch


def _register_blueprints(app: Flask) -> None:
    """The edge and security first (their hooks wrap every other blueprint), then the channels."""
    lean.mount(app)  # first, so that security's ProxyFix (when on) wraps the lean hops too
    for module in (edge, security, ussd.views, sms.views, admin.views, simulator, open311.views,
                   openapi, stats, schedule):
        module.init_app(app)
    app.add_url_rule("/", "root", _root)


def _root() -> Any:
    """``/`` leads somewhere: the simulator on the embedded default, else the admin."""
    target = "simulator.page" if simulator.is_mounted(current_app) else "admin.inbox"
    return redirect(url_for(target), 302)
