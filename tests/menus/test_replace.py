"""menus.state.replace: what dataclasses.replace gives, for the session's two classes."""

from __future__ import annotations

import dataclasses

import pytest

from menus.state import Draft, State, replace


def test_it_copies_with_changes_as_dataclasses_replace_does() -> None:
    state = State(lang="en", node="desc", back=(("root", 0, ""),),
                  draft=Draft(kind="complaint", key="k1"), offer=True)
    for changes in ({}, {"node": "confirm", "error": "x"}, {"draft": None, "page": 2}):
        ours, theirs = replace(state, **changes), dataclasses.replace(state, **changes)
        assert ours == theirs and hash(ours) == hash(theirs) and type(ours) is State
    assert state.node == "desc"  # the original is untouched
    draft = replace(state.draft, description="maji")  # type: ignore[type-var]
    assert draft == Draft(kind="complaint", key="k1", description="maji")


def test_a_name_that_is_no_field_is_refused() -> None:
    with pytest.raises(TypeError, match="nodes"):
        replace(State(), nodes="root")
    with pytest.raises(dataclasses.FrozenInstanceError):
        replace(State(), node="gov").node = "root"  # type: ignore[misc]
