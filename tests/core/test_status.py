from __future__ import annotations

import itertools

import pytest

from core.errors import IllegalTransition
from core.status import TRANSITIONS, Status, check_transition

PAIRS = list(itertools.product(Status, Status))
ALLOWED = [(a, b) for a, b in PAIRS if b in TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in PAIRS if b not in TRANSITIONS[a]]


@pytest.mark.parametrize("current,target", ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_allowed_transitions(current: Status, target: Status) -> None:
    check_transition(current.value, target)


@pytest.mark.parametrize("current,target", REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_refused_transitions(current: Status, target: Status) -> None:
    with pytest.raises(IllegalTransition, match=f"{current.value} cannot become {target.value}"):
        check_transition(current.value, target)


def test_the_lifecycle_of_design_md() -> None:
    assert TRANSITIONS[Status.RECEIVED] >= {Status.IN_PROGRESS, Status.REJECTED}
    assert TRANSITIONS[Status.ANSWERED] == {Status.APPEALED, Status.CLOSED}
    assert TRANSITIONS[Status.APPEALED] == {Status.ANSWERED}
    # An officer's close never takes away the appeal window (core.rights.appeal_open).
    assert TRANSITIONS[Status.CLOSED] == {Status.APPEALED} and not TRANSITIONS[Status.REJECTED]
