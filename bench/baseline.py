"""The limit of this stack: a bare Flask app whose one endpoint does one Redis GET and one SET.

Served by the same server configuration as the real app and driven by the same
wrk script (same form body), so the ratio of the two measures only what Mrejesho
adds per hop: its session handling, menus, catalogues and rendering.
"""

from __future__ import annotations

import os

import redis
from flask import Flask, request


def create_app() -> Flask:
    app = Flask(__name__)
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"))

    @app.post("/ussd/africastalking")
    def hop() -> tuple[str, int, dict[str, str]]:
        key = "bench:bare:" + request.form.get("sessionId", "")
        previous = client.get(key)
        client.set(key, request.form.get("text", ""), ex=180)
        body = "CON " + (previous or b"").decode()[:40]
        return body, 200, {"Content-Type": "text/plain; charset=utf-8"}

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app


app = create_app()
