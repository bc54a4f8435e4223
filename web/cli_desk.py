"""The desk's commands: list institutions and officers, disable an officer, reset a password.

Attached to web.cli's ``institutions`` and ``officers`` groups; same rules: a
one-line reason and exit 1 on bad input, nothing committed unless it all worked.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from core.models import Institution, Officer
from core.officers import reset_password
from core.scope import ROLES
from web.cli import _read_password, _transaction, institutions_cli, officers_cli


@institutions_cli.command("list")
@click.option("--kind", default=None, help="ministry, regional_secretariat, lga, agency, ...")
@click.option("--region", default=None, help="region code, e.g. RS-DODOMA")
def institutions_list(kind: str | None, region: str | None) -> None:
    """One institution a line: code, kind, region, English name (tab-separated)."""
    with _transaction() as session:
        stmt = select(Institution).order_by(Institution.code)
        if kind:
            stmt = stmt.where(Institution.kind == kind)
        if region:
            stmt = stmt.where(Institution.region_code == region.upper())
        rows = list(session.scalars(stmt))
        for inst in rows:
            click.echo(f"{inst.code}\t{inst.kind}\t{inst.region_code or '-'}\t{inst.name_en}")
    if not rows:
        raise click.ClickException("no institution matches")


@officers_cli.command("list")
@click.option("--institution", "institution_code", default=None, help="institution code")
@click.option("--role", type=click.Choice(ROLES), default=None)
def officers_list(institution_code: str | None, role: str | None) -> None:
    """One officer a line: email, role, institution, active or disabled, name."""
    with _transaction() as session:
        stmt = select(Officer, Institution.code).join(Institution).order_by(Officer.email)
        if institution_code:
            stmt = stmt.where(Institution.code == institution_code.upper())
        if role:
            stmt = stmt.where(Officer.role == role)
        for officer, code in session.execute(stmt):
            state = "active" if officer.active else "disabled"
            click.echo(f"{officer.email}\t{officer.role}\t{code}\t{state}\t{officer.name}")


@officers_cli.command("reset-password")
@click.argument("email")
def officers_reset_password(email: str) -> None:
    """Set EMAIL's password (prompted for, or read from standard input)."""
    password = _read_password()
    with _transaction() as session:
        officer = reset_password(session, email, password)
        click.echo(f"password of {officer.email} reset")
