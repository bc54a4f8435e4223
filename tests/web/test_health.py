from __future__ import annotations

import socket

from web import create_app


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthz_and_readyz(client) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["redis"] == "ok"


def test_readyz_says_unavailable_when_redis_is_down(database_url, tmp_path) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                      "REDIS_URL": f"redis://127.0.0.1:{spare_port()}/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "redis": "unavailable"}


def test_readyz_says_unavailable_when_the_database_is_down(redis_url, tmp_path) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{spare_port()}/none?connect_timeout=2"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t",
                      "REDIS_URL": redis_url})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["database"] == "unavailable"
