from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from web import create_app


@pytest.fixture
def make_app() -> Iterator[Any]:
    """Apps pointed at servers that are down; their pools are closed afterwards."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        made.append(create_app({"TESTING": True, "SECRET_KEY": "t", **config}))
        return made[-1]
    yield make
    for app in made:
        app.extensions["db"].engine.dispose()
        app.extensions["redis"].close()


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthz_and_readyz(client) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["redis"] == "ok"


def test_readyz_says_unavailable_when_redis_is_down(database_url, make_app) -> None:
    app = make_app(DATABASE_URL=database_url, REDIS_URL=f"redis://127.0.0.1:{spare_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "redis": "unavailable"}


def test_readyz_says_unavailable_when_the_database_is_down(redis_url, make_app) -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{spare_port()}/none?connect_timeout=2"
    app = make_app(DATABASE_URL=url, REDIS_URL=redis_url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["database"] == "unavailable"
