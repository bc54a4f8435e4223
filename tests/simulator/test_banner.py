from __future__ import annotations

from web import create_app
from web.cli import DEMO_EMAIL, DEMO_PASSWORD, banner


def test_the_banner_says_where_to_go(app) -> None:
    text = banner(app, "127.0.0.1", 5000)
    assert "http://127.0.0.1:5000/simulator" in text and "*152*00*9*2#" in text
    assert "http://127.0.0.1:5000/healthz" in text and "http://127.0.0.1:5000/readyz" in text
    if any(rule.rule.startswith("/admin") for rule in app.url_map.iter_rules()):
        assert "http://127.0.0.1:5000/admin/" in text
        assert DEMO_EMAIL in text and DEMO_PASSWORD in text


def test_the_banner_names_a_reachable_address(app) -> None:
    assert "http://127.0.0.1:8000/simulator" in banner(app, "0.0.0.0", 8000)
    assert "http://[::1]:8000/healthz" in banner(app, "::1", 8000)


def test_the_banner_says_why_the_simulator_is_off(database_url, redis_url) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
                      "SECRET_KEY": "test", "EMBEDDED": False})
    text = banner(app, "127.0.0.1", 5000)
    assert "/simulator" not in text and "MREJESHO_EMBEDDED=true" in text
    app.extensions["db"].engine.dispose()
