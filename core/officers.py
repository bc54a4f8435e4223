"""Officer accounts: creation with a hashed password, and password checks.

Hashing is werkzeug's (scrypt by default): a well-kept implementation, and the
one Flask-Login's examples use.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import InvalidInput
from core.institutions import get_institution
from core.models import Officer
from core.phones import normalise_phone
from core.scope import ROLES

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
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password is shorter than {MIN_PASSWORD} characters")
    officer.password_hash = generate_password_hash(password)


def password_matches(officer: Officer, password: str) -> bool:
    return check_password_hash(officer.password_hash, password)
