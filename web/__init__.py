"""The composition root: ``create_app`` wires config, database, Redis, rq and blueprints.

Nothing here runs at import time; ``wsgi.py`` calls the factory. Blueprints are
imported inside the factory so that channel modules (which may use
``flask.current_app``) and this package never import each other at load time.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from web import config, db, health, kv, metrics


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    db.init_app(app)
    kv.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    _register_blueprints(app)
    from web import cli

    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Security first (its hooks wrap every other blueprint), then the channels and pages."""
    import admin.views
    import sms.views
    import ussd.views
    from web import open311, schedule, security, simulator

    for module in (security, ussd.views, sms.views, admin.views, simulator, open311, schedule):
        module.init_app(app)
