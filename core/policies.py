"""The policies core applies, handed over on every session the app opens.

Services, rq jobs and CLI commands all reach core through a Session made by
the app's sessionmaker, so the composition root (``web.config.policies``)
builds one :class:`Policies` from the configuration and puts it in that
sessionmaker's ``info``: every path sees the same figures, and core keeps no
module-level setting a job or a second app could miss or overwrite. A session
made without it (a script's own sessionmaker) gets the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.sla import DEFAULT_POLICY, Policy

KEY = "policies"  # in Session.info
RETENTION_DAYS = 365


@dataclass(frozen=True)
class SubmissionLimits:
    """At most ``per_hour`` / ``per_day`` citizen submissions per number (USSD, SMS, partner).

    ``None`` switches a window off. Walk-in and web entries are made by officers
    and are never limited.
    """

    per_hour: int | None = 10
    per_day: int | None = 30


@dataclass(frozen=True)
class Policies:
    """Everything core takes from the configuration, read once at start."""

    sla: Policy = DEFAULT_POLICY
    limits: SubmissionLimits = field(default_factory=SubmissionLimits)
    # Closed feedback forgets its submitter after this many days; None: never.
    retention_days: int | None = RETENTION_DAYS


DEFAULT = Policies()


def of(session: Session | None) -> Policies:
    """The policies ``session`` carries; the defaults for none (a row not in a session)."""
    if session is None:
        return DEFAULT
    policies: Policies = session.info.get(KEY, DEFAULT)
    return policies
