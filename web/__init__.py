"""The composition root: ``create_app`` wires config, database, Redis, rq and blueprints.

Nothing here runs at import time; ``wsgi.py`` calls the factory. Blueprints are
imported inside the factory so that channel modules (which may use
``flask.current_app``) and this package never import each other at load time.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from web import config, db, health, kv


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    db.init_app(app)
    kv.init_app(app)
    health.init_app(app)
    _register_blueprints(app)
    from web import cli

    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Each channel is optional at this stage of the build; present ones are mounted."""
    import importlib

    for module_name in ("web.security", "ussd.views", "sms.views", "admin.views",
                        "web.simulator", "web.open311", "web.schedule"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.init_app(app)
