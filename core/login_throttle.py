"""Officer login: guesses slowed down per address and per account, never a lockout.

A lockout after five wrong guesses let anyone keep any officer out for good, by
typing their e-mail five times every quarter hour. Here a wrong guess makes
the next one wait, and the wait doubles with each further failure (1 s, 2 s,
4 s ... at most 15 min), counted three ways:

- per address, over every account: one machine guessing many accounts;
- per (account, address): one machine guessing one account;
- per account, over every address: a botnet guessing one account. This count
  only slows addresses that have themselves failed on the account, so the
  officer typing the right password from an address that has not failed (a
  new one, or their own) always gets in. That is the one thing an attacker
  must never be able to take away.

The counts live in the app's Redis (every worker on every host sees the same
ones) and are forgotten an hour after the last failure. Unknown accounts are
counted exactly like real ones, so the throttle tells nobody who exists. With
Redis down the throttle is open (logged): the hash's own cost and the
per-address request limit of infra.security still bound the rate.

:func:`attempt_login` is the one service a login form calls: the channel
parses the form and renders the answer, the rule lives here. The client is
handed in (the app's Redis), like the Session: core opens no connection.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Officer
from core.officers import login_matches

log = logging.getLogger(__name__)
WINDOW = 3600          # seconds a count lives after its last failure
MAX_DELAY = 900.0      # the longest wait, however many failures


@dataclass(frozen=True)
class Policy:
    """Failures allowed before the waits start, per count; and the first wait."""

    per_address: int = 10
    per_pair: int = 3
    per_account: int = 5
    base_delay: float = 1.0

    def delay(self, failures: int, free: int) -> float:
        if failures <= free:
            return 0.0
        return float(min(self.base_delay * 2 ** min(failures - free - 1, 20), MAX_DELAY))


class LoginThrottle:
    def __init__(self, client: redis.Redis[bytes], prefix: str,
                 policy: Policy | None = None) -> None:
        self.r, self.prefix, self.policy = client, prefix, policy or Policy()

    def _keys(self, email: str, address: str) -> tuple[str, str, str]:
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        p = f"{self.prefix}:login"
        return f"{p}:addr:{address}", f"{p}:pair:{account}:{address}", f"{p}:acct:{account}"

    def wait(self, email: str, address: str, now: float | None = None) -> float:
        """Seconds before this address may try this account again (0: now)."""
        now = time.time() if now is None else now
        try:
            pipe = self.r.pipeline(transaction=False)
            for key in self._keys(email, address):
                pipe.hmget(key, "n", "until")
            (_, addr_until), (pair_n, pair_until), (_, acct_until) = pipe.execute()
        except redis.RedisError as exc:
            log.error("login throttle unavailable: %s", exc)
            return 0.0
        untils = [addr_until, pair_until] + ([acct_until] if int(pair_n or 0) > 0 else [])
        return max([0.0] + [float(u) - now for u in untils if u is not None])

    def failed(self, email: str, address: str, now: float | None = None) -> None:
        """Count a wrong guess three ways and set each count's next allowed time."""
        now = time.time() if now is None else now
        keys = self._keys(email, address)
        p = self.policy
        frees = (p.per_address, p.per_pair, p.per_account)
        try:
            pipe = self.r.pipeline(transaction=False)
            for key in keys:
                pipe.hincrby(key, "n", 1)
            counts = pipe.execute()
            pipe = self.r.pipeline(transaction=False)
            for key, n, free in zip(keys, counts, frees, strict=True):
                pipe.hset(key, "until", now + p.delay(int(n), free))
                pipe.expire(key, WINDOW)
            pipe.execute()
        except redis.RedisError as exc:
            log.error("login throttle unavailable: %s", exc)

    def succeeded(self, email: str, address: str) -> None:
        """The right password: this address starts afresh on this account."""
        try:
            self.r.delete(self._keys(email, address)[1])
        except redis.RedisError as exc:
            log.error("login throttle unavailable: %s", exc)


@dataclass(frozen=True)
class Attempt:
    """A login's outcome: the officer when the password matched, else how long to wait."""

    officer: Officer | None
    wait: int = 0  # whole seconds before this address may try this account again


def attempt_login(session: Session, throttle: LoginThrottle, email: str, password: str,
                  address: str) -> Attempt:
    """Check one guess, unless the throttle says wait; count it either way.

    A throttled guess checks no hash, for a real account or not; any other
    costs exactly one (core.officers.login_matches), so neither the answer nor
    its time tells who has an account.
    """
    email = email.strip().lower()[:200]
    wait = throttle.wait(email, address)
    if wait > 0:
        return Attempt(None, math.ceil(wait))
    officer = session.scalar(select(Officer).where(func.lower(Officer.email) == email))
    if not login_matches(officer, password):
        throttle.failed(email, address)
        return Attempt(None)
    throttle.succeeded(email, address)
    return Attempt(officer)
