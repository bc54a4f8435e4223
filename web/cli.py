"""Command line: ``flask --app wsgi <group> <command>``.

Every command refuses bad input with a one-line reason on stderr and exit
status 1, and commits nothing unless it succeeded as a whole.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import partners, tally
from core.errors import MrejeshoError
from core.institutions import SHIPPED_CSV, TRIAGE_CODE, import_file
from core.models import Officer
from core.officers import create_officer, retire_officer, set_password
from core.scope import ROLES
from infra import migrate
from infra.db import database

db_cli = AppGroup("db", help="Database schema.")
institutions_cli = AppGroup("institutions", help="The institution directory.")
officers_cli = AppGroup("officers", help="Officer accounts.")
tally_cli = AppGroup("tally", help="The dashboard's counts (core.tally).")
partners_cli = AppGroup("partners", help="Open311 partners and their api_keys.")

DEMO_EMAIL = "demo@mrejesho.local"
DEMO_PASSWORD = "mrejesho-demo"


@contextmanager
def _transaction() -> Iterator[Session]:
    """A session committed on success; a domain error becomes a clean CLI failure."""
    with database().sessionmaker() as session:
        try:
            yield session
            session.commit()
        except MrejeshoError as exc:
            session.rollback()
            raise click.ClickException(exc.message) from exc


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("database is up to date")


@institutions_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False), default=str(SHIPPED_CSV))
def institutions_import(path: str) -> None:
    """Load or update the directory from PATH (default: the shipped CSV)."""
    with _transaction() as session:
        result = import_file(session, path)
    click.echo(f"institutions: {result.created} created, {result.updated} updated")


def _read_password(prompt: Callable[..., Any] = click.prompt) -> str:
    if sys.stdin.isatty():
        password: str = prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\r\n")


@officers_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--institution", "institution_code", required=True, help="institution code")
@click.option("--role", type=click.Choice(ROLES), default="officer", show_default=True)
@click.option("--phone", default=None)
def officers_create(email: str, name: str, institution_code: str, role: str,
                    phone: str | None) -> None:
    """Create an officer; the password is prompted for, or read from standard input."""
    password = _read_password()
    with _transaction() as session:
        officer = create_officer(session, email=email, name=name, role=role, phone=phone,
                                 institution_code=institution_code, password=password)
        click.echo(f"officer {officer.email} ({officer.role}) created")


def _officer(session: Session, email: str) -> Officer:
    officer = session.scalar(select(Officer).where(Officer.email == email.strip().lower()))
    if officer is None:
        raise click.ClickException(f"no officer with email {email}")
    return officer


@officers_cli.command("password")
@click.option("--email", required=True)
def officers_password(email: str) -> None:
    """Set an officer's password (prompted, or from standard input); ends their sessions."""
    password = _read_password()
    with _transaction() as session:
        set_password(_officer(session, email), password)
    click.echo(f"password of {email} changed; every session of theirs has ended")


@officers_cli.command("disable")
@click.option("--email", required=True)
def officers_disable(email: str) -> None:
    """Disable an officer: no more logins, and every session of theirs ends now."""
    with _transaction() as session:
        retire_officer(session, email)
    click.echo(f"officer {email} disabled")


@officers_cli.command("demo")
def officers_demo() -> None:
    """Create the demo officer of the embedded default, once, and print its login."""
    with _transaction() as session:
        if session.scalar(select(Officer.id).where(Officer.email == DEMO_EMAIL)) is None:
            create_officer(session, email=DEMO_EMAIL, name="Afisa wa Majaribio",
                           institution_code=TRIAGE_CODE, role="admin", password=DEMO_PASSWORD)
    click.echo(f"demo officer: {DEMO_EMAIL} / {DEMO_PASSWORD}")


@tally_cli.command("check")
def tally_check() -> None:
    """Compare the tally with a count of the feedback rows; exit 1 if they differ."""
    differ = tally.drift(database().engine)
    if differ:
        raise click.ClickException(
            f"the tally differs from the feedback rows at {differ} keys; "
            "run `flask tally rebuild`")
    click.echo("the tally matches the feedback rows")


@tally_cli.command("rebuild")
def tally_rebuild() -> None:
    """Count the tally afresh from the feedback rows (writers wait meanwhile)."""
    click.echo(f"tally rebuilt: {tally.rebuild(database().engine)} rows")


@tally_cli.command("squash")
def tally_squash() -> None:
    """Fold the tally's appended rows now, as the scheduler does every minute."""
    click.echo(f"tally squashed: {tally.squash(database().engine)} rows folded")


@partners_cli.command("create")
@click.argument("name")
def partners_create(name: str) -> None:
    """Issue NAME an api_key for POST /open311/v2/requests; the key is shown only now."""
    with _transaction() as session:
        partner, key = partners.create_partner(session, name)
        click.echo(f"partner {partner.name} (id {partner.id}) created; its api_key, shown "
                   f"once and stored only hashed:\n{key}")


@partners_cli.command("revoke")
@click.argument("name")
def partners_revoke(name: str) -> None:
    """Stop NAME's api_key from working; its feedback stays."""
    with _transaction() as session:
        partner = partners.revoke_partner(session, name)
        click.echo(f"partner {partner.name}: api_key revoked")


@partners_cli.command("list")
def partners_list() -> None:
    """Every partner, with whether its key works."""
    with _transaction() as session:
        for partner in partners.list_partners(session):
            state = (f"revoked {partner.revoked_at:%Y-%m-%d}" if partner.revoked_at
                     else "active")
            click.echo(f"{partner.id}\t{partner.name}\t{state}\t"
                       f"created {partner.created_at:%Y-%m-%d}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, envvar="PORT", type=int)
def serve(host: str, port: int) -> None:
    """Run web server and rq worker with scheduler in this process (the embedded default)."""
    from web.embedded import serve as run

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(banner(app, host, port))
    run(app, host, port)


def banner(app: Flask, host: str, port: int) -> str:
    """Where to go once the server is up: a first run explains itself."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    base = f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    code = app.config["USSD_SERVICE_CODE"]
    lines = ["", f"Mrejesho is starting on {base}/", ""]
    if "/simulator" in rules:
        lines.append(f"  phone simulator  {base}/simulator   dial {code[:-1]}*9*2#, "
                     f"or text MSAADA to {app.config['AT_SHORT_CODE']}")
    else:
        lines.append("  phone simulator  off (it needs MREJESHO_EMBEDDED=true and no "
                     "MREJESHO_AT_API_KEY)")
    if any(rule.startswith("/admin") for rule in rules):
        lines.append(f"  officer admin    {base}/admin/      demo login {DEMO_EMAIL} / "
                     f"{DEMO_PASSWORD}")
    redis = "" if app.config.get("REDIS_URL") else ", embedded Redis"
    lines += [f"  health           {base}/healthz   {base}/readyz", "",
              f"Ctrl-C stops it all: web server, rq worker and scheduler{redis}.", ""]
    return "\n".join(lines)


def init_app(app: Flask) -> None:
    from web import cli_desk  # noqa: F401  # attaches the list and reset commands

    for command in (db_cli, institutions_cli, officers_cli, tally_cli, partners_cli, serve):
        app.cli.add_command(command)
