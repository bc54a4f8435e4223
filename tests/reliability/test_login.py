"""Login guesses: slowed per address and account, never a lockout; one hash per answer;
logout, a password change and disabling end every session of the officer."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from core.models import Officer
from core.officers import disable_officer, set_password
from tests.conftest import PASSWORD

WRONG = "not the password at all"


def csrf(client) -> str:
    page = client.get("/admin/login")
    return re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data).group(1).decode()


def attempt(client, email: str, password: str, address: str):
    """A login POST from ``address``; the client stays at that address afterwards."""
    client.environ_base["REMOTE_ADDR"] = address
    return client.post("/admin/login", data={"email": email, "password": password,
                                             "csrf_token": csrf(client)})


def waited(redis_client) -> None:
    """As if every wait had passed: the counts stay, the next allowed times are now."""
    for key in redis_client.scan_iter("*:login:*"):
        redis_client.hset(key, "until", 0)


def test_an_attacker_cannot_lock_the_officer_out(app, client, make_officer) -> None:
    officer = make_officer()
    for _ in range(25):  # one machine, far past any count
        attempt(client, officer.email, WRONG, "10.66.0.1")
    for n in range(12):  # and a botnet, each address once then again
        for _ in range(2):
            attempt(client, officer.email, WRONG, f"10.77.{n}.1")
    resp = attempt(client, officer.email, PASSWORD, "10.1.1.1")  # the officer, elsewhere
    assert resp.status_code == 303, resp.data[:300]
    assert client.get("/admin/").status_code == 200


def test_each_further_wrong_guess_waits_twice_as_long(app, client, make_officer,
                                                     redis_client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "100 per minute")  # the POST flood cap
    officer = make_officer()
    codes = [attempt(client, officer.email, WRONG, "10.5.5.5").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 200]  # three free, the fourth sets the first wait
    waits = []
    for _ in range(3):
        resp = attempt(client, officer.email, PASSWORD, "10.5.5.5")  # even the right one
        assert resp.status_code == 429 and b"class=\"error\"" in resp.data
        waits.append(int(resp.headers["Retry-After"]))
        waited(redis_client)
        assert attempt(client, officer.email, WRONG, "10.5.5.5").status_code == 200
    assert waits == [1, 2, 4]
    waited(redis_client)
    assert attempt(client, officer.email, PASSWORD, "10.5.5.5").status_code == 303


def test_a_botnet_guessing_one_account_is_slowed_on_every_failing_address(
        app, client, make_officer) -> None:
    officer = make_officer()
    for n in range(6):  # six addresses, one wrong guess each: the account count passes 5
        assert attempt(client, officer.email, WRONG, f"10.9.{n}.1").status_code == 200
    assert attempt(client, officer.email, WRONG, "10.9.0.1").status_code == 429
    assert attempt(client, officer.email, PASSWORD, "10.9.200.1").status_code == 303


def test_unknown_accounts_are_throttled_like_real_ones(app, client, make_officer) -> None:
    real = make_officer()
    codes = {}
    for email in (real.email, "nobody@example.go.tz"):
        codes[email] = [attempt(client, email, WRONG, "10.3.3.3").status_code
                        for _ in range(6)]
        client.delete_cookie("session")
    assert codes[real.email] == codes["nobody@example.go.tz"]


@pytest.fixture
def hashes(monkeypatch) -> list[int]:
    """How many password hashes were computed (werkzeug hashes with hashlib.scrypt)."""
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


def test_every_answer_costs_one_hash_whoever_is_asked(app, client, make_officer, session,
                                                      hashes) -> None:
    real, off = make_officer(), make_officer()
    disable_officer(off)
    session.commit()
    attempt(client, "warm@example.go.tz", WRONG, "10.4.0.1")  # makes the dummy hash once
    counts = {}
    for n, email in enumerate([real.email, "nobody@example.go.tz", off.email]):
        hashes.clear()
        assert attempt(client, email, WRONG, f"10.4.1.{n}").status_code == 200
        counts[email] = len(hashes)
    hashes.clear()
    assert attempt(client, real.email, PASSWORD, "10.4.2.1").status_code == 303
    assert set(counts.values()) == {1} and len(hashes) == 1, counts


def logged_in(app, officer, address: str = "127.0.0.1"):
    client = app.test_client()
    assert attempt(client, officer.email, PASSWORD, address).status_code == 303
    assert client.get("/admin/").status_code == 200
    return client


def copy_cookie(source, target) -> None:
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value)


def logout(client) -> None:
    page = client.get("/admin/")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page.data).group(1).decode()
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 303


def test_logout_ends_every_session_and_a_copied_cookie(app, make_officer) -> None:
    officer = make_officer()
    first, second = logged_in(app, officer), logged_in(app, officer, "10.2.2.2")
    stolen = app.test_client()
    copy_cookie(first, stolen)
    assert stolen.get("/admin/").status_code == 200
    logout(first)
    for client in (first, second, stolen):
        assert client.get("/admin/").status_code == 302
    assert logged_in(app, officer).get("/admin/").status_code == 200  # a new login works


@pytest.mark.parametrize("change", ["password", "disabled"])
def test_a_password_change_or_disabling_ends_every_session(app, make_officer, session,
                                                           change) -> None:
    officer = make_officer()
    client = logged_in(app, officer)
    row = session.scalar(select(Officer).where(Officer.id == officer.id))
    if change == "password":
        set_password(row, "a brand new password")
    else:
        disable_officer(row)
    session.commit()
    assert client.get("/admin/").status_code == 302


def test_the_cli_changes_a_password_and_disables_an_officer(app, make_officer,
                                                            session) -> None:
    officer = make_officer()
    client = logged_in(app, officer)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["officers", "password", "--email", officer.email],
                           input="another long password\n")
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
    client = app.test_client()
    assert attempt(client, officer.email, "another long password",
                   "10.6.0.1").status_code == 303
    result = runner.invoke(args=["officers", "disable", "--email", officer.email])
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 302
