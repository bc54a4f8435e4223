"""Officer accounts: creation with a hashed password, and password checks.

Hashing is werkzeug's (scrypt by default): a well-kept implementation, and the
one Flask-Login's examples use.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import InvalidInput
from core.institutions import get_institution
from core.models import Feedback, Officer
from core.phones import normalise_phone
from core.scope import ROLES
from core.status import OPEN_VALUES

MIN_PASSWORD = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_officer(session: Session, *, email: str, name: str, institution_code: str,
                   role: str, password: str, phone: str | None = None,
                   language: str = "sw") -> Officer:
    """A new officer; refuses a bad email, role, institution, or a short password."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address")
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name.strip():
        raise InvalidInput("name is empty")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password is shorter than {MIN_PASSWORD} characters")
    if session.scalar(select(Officer.id).where(Officer.email == email)) is not None:
        raise InvalidInput(f"an officer with email {email} exists")
    inst = get_institution(session, institution_code)
    officer = Officer(email=email, name=" ".join(name.split()), institution_id=inst.id,
                      role=role, password_hash=generate_password_hash(password),
                      phone=normalise_phone(phone) if phone else None,
                      language="en" if language == "en" else "sw")
    session.add(officer)
    session.flush()
    return officer


def set_password(officer: Officer, password: str) -> None:
    """A new password; every session opened with the old one ends."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password is shorter than {MIN_PASSWORD} characters")
    officer.password_hash = generate_password_hash(password)
    end_sessions(officer)


def disable_officer(officer: Officer) -> None:
    """No more logins, and every open session of the officer ends."""
    officer.active = False
    end_sessions(officer)


def end_sessions(officer: Officer) -> None:
    """Every login session carries the version it was opened under; this one is gone."""
    officer.session_version = (officer.session_version or 0) + 1


def password_matches(officer: Officer, password: str) -> bool:
    return check_password_hash(officer.password_hash, password)


_dummy: list[str] = []


def login_matches(officer: Officer | None, password: str) -> bool:
    """Exactly one password hash check, whoever is asked about.

    An unknown or disabled account is checked against a dummy hash made the way
    real ones are, so the answer takes as long as for a real officer and the
    login page cannot be used to learn who has an account.
    """
    if officer is None or not officer.active:
        if not _dummy:
            _dummy.append(generate_password_hash(secrets.token_hex(16)))
        check_password_hash(_dummy[0], password)
        return False
    return password_matches(officer, password)


def find_officer(session: Session, email: str) -> Officer:
    """The officer with ``email`` (any case), or :class:`InvalidInput` saying there is none."""
    officer = session.scalar(select(Officer).where(Officer.email == email.strip().lower()))
    if officer is None:
        raise InvalidInput(f"no officer with email {email.strip().lower()}")
    return officer


def retire_officer(session: Session, email: str) -> Officer:
    """Disable a login for good (the row and its history stay); their open items are freed."""
    officer = find_officer(session, email)
    disable_officer(officer)
    for feedback in session.scalars(select(Feedback).where(
            Feedback.assigned_to_id == officer.id, Feedback.status.in_(OPEN_VALUES))):
        feedback.assigned_to, feedback.assigned_at = None, None
    session.flush()
    return officer


def reset_password(session: Session, email: str, password: str) -> Officer:
    """A new password for the officer with this e-mail (the CLI's reset)."""
    officer = find_officer(session, email)
    set_password(officer, password)
    session.flush()
    return officer
