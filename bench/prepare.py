"""The bench's own database and Redis db: created if missing, migrated, directory loaded."""

from __future__ import annotations

import secrets

import psycopg
import redis
from flask import Flask
from psycopg import sql
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.settings import Settings

FORBIDDEN_DATABASES = frozenset({"test", "postgres", "template0", "template1"})
# A production app refuses a missing or well-known key; the bench's is random per run.
SECRET_KEY = secrets.token_hex(16)


def check_targets(settings: Settings) -> None:
    """Refuse to run against CI's database or Redis db 0: the bench wipes what it uses."""
    db = make_url(settings.database_url).database
    if db in FORBIDDEN_DATABASES:
        raise SystemExit(f"BENCH_DATABASE_URL names database {db!r}; use a database of its own")
    rdb = redis.Redis.from_url(settings.redis_url).connection_pool.connection_kwargs.get("db", 0)
    if int(rdb) == 0:
        raise SystemExit("BENCH_REDIS_URL names Redis db 0; use another (the default is 15)")


def ensure_database(settings: Settings) -> None:
    url = make_url(settings.database_url)
    admin = url.set(database="postgres", drivername="postgresql")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             (url.database,)).fetchone()
        if not found:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))


_APPS: dict[Settings, Flask] = {}


def bench_app(settings: Settings) -> Flask:
    """The real app, configured as the web server will run it, on the bench's database and Redis.

    One per process, as in a web worker: blueprints are module-level objects, and an
    app factory called twice in one process is not what production ever does.
    """
    app = _APPS.get(settings)
    if app is None:
        from web import create_app

        app = _APPS[settings] = create_app({
            "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
            "SECRET_KEY": SECRET_KEY, "CALLBACK_TOKEN_REQUIRED": False})
    return app


def after_fork(app: Flask) -> None:
    """A forked child must not share its parent's pooled database connections."""
    app.extensions["db"].engine.dispose(close=False)


def prepare(settings: Settings) -> None:
    from core.institutions import SHIPPED_CSV, import_file
    from core.models import Institution
    from infra.migrate import upgrade

    check_targets(settings)
    ensure_database(settings)
    upgrade(settings.database_url)
    app = bench_app(settings)
    with app.extensions["db"].sessionmaker() as session:
        if not session.scalar(select(func.count()).select_from(Institution)):
            import_file(session, SHIPPED_CSV)
            session.commit()
    flush_redis(settings)


def flush_redis(settings: Settings) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    client.flushdb()
    client.close()


def server_env(settings: Settings) -> dict[str, str]:
    """The environment a production web worker would get, pointed at the bench's servers."""
    import os

    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MREJESHO_") and k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=settings.database_url, REDIS_URL=settings.redis_url,
               SECRET_KEY=SECRET_KEY, PYTHONDONTWRITEBYTECODE="1",
               MREJESHO_CALLBACK_TOKEN_REQUIRED="false")  # loopback: no token to post
    return env
