from __future__ import annotations

from sqlalchemy import select

from core.models import Institution, Officer
from core.officers import password_matches


def test_officers_create_reads_the_password_from_stdin(app, session) -> None:
    result = app.test_cli_runner().invoke(args=[
        "officers", "create", "--email", "Asha@TRA.go.tz", "--name", "Asha Said",
        "--institution", "TRA", "--role", "head"], input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    officer = session.scalar(select(Officer).where(Officer.email == "asha@tra.go.tz"))
    assert officer is not None and officer.role == "head"
    assert officer.institution.code == "TRA" and password_matches(officer, "a long enough secret")
    assert officer.password_hash != "a long enough secret"


def test_officers_create_refuses_bad_input_and_writes_nothing(app, session) -> None:
    runner = app.test_cli_runner()
    cases = [
        (["--institution", "NOPE", "--role", "officer"], "a long enough secret", "NOPE"),
        (["--institution", "TRA", "--role", "king"], "a long enough secret", "king"),
        (["--institution", "TRA", "--role", "officer"], "short", "shorter than"),
    ]
    for extra, password, message in cases:
        result = runner.invoke(args=["officers", "create", "--email", "x@tra.go.tz",
                                     "--name", "X", *extra], input=password + "\n")
        assert result.exit_code != 0 and message in result.output
    assert session.scalar(select(Officer.id)) is None


def test_institutions_import_reports_the_bad_line(app, tmp_path, session) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,kind,name_sw,name_en,short_names,parent_code,region_code\n"
                   "NEW-1,agency,Mpya,New,,,\nNEW-2,spaceship,Mpya,New,,,\n")
    result = app.test_cli_runner().invoke(args=["institutions", "import", str(bad)])
    assert result.exit_code == 1 and "line 3: kind 'spaceship'" in result.output
    assert session.scalar(select(Institution).where(Institution.code == "NEW-1")) is None


def test_institutions_import_of_a_missing_file(app) -> None:
    result = app.test_cli_runner().invoke(args=["institutions", "import", "/nonexistent.csv"])
    assert result.exit_code == 1 and "cannot read" in result.output


def test_demo_officer_is_created_once(app, session) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["officers", "demo"])
        assert result.exit_code == 0 and "demo@mrejesho.local" in result.output
    assert len(session.scalars(select(Officer)).all()) == 1
