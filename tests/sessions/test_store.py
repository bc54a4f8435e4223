"""The Redis session store against a real Redis: round trips, TTLs, the hop lock."""

from __future__ import annotations

import threading

import pytest
import redis

from menus.state import Draft, State, new_state
from sessions.store import Kept, SessionStore


def test_state_and_draft_round_trip_under_their_keys(redis_client) -> None:
    store = SessionStore(redis_client, State.read)
    draft = Draft(kind="opinion", node="desc_more", institution="TRA",
                  description="Foleni*ndefu", anonymous=True)
    state = State(lang="en", node="desc_more", back=(("root", 0, ""), ("list", 2, "g:agency")),
                  draft=draft)
    kept = Kept(state, consumed=12, digest=99, hop="12:99")
    store.save("s1", "+255712345678", kept, None, cache_lang="en")
    loaded = store.load("s1", "+255712345678")
    assert loaded.kept == kept
    assert Draft.decode(loaded.draft_raw) == draft and loaded.lang == "en"
    assert 0 < redis_client.ttl("ussd:s:s1") <= 300
    assert 1700 < redis_client.ttl("ussd:d:+255712345678") <= 1800


def test_an_unchanged_draft_is_not_rewritten_and_a_dropped_one_is_deleted(redis_client) -> None:
    store = SessionStore(redis_client, State.read)
    draft = Draft(kind="complaint")
    store.save("s1", "p", Kept(new_state("sw", draft)), None)
    redis_client.expire("ussd:d:p", 100)
    store.save("s1", "p", Kept(new_state("sw", draft)), draft.encode())
    assert redis_client.ttl("ussd:d:p") <= 100
    store.save("s1", "p", Kept(new_state("sw", None)), draft.encode())
    assert redis_client.get("ussd:d:p") is None


def test_lock_and_notice_are_taken_once(redis_client) -> None:
    store = SessionStore(redis_client, State.read)
    assert store.lock("s1") and not store.lock("s1")
    store.unlock("s1")
    assert store.lock("s1")
    assert store.mark_notice("s1") and not store.mark_notice("s1")


def test_waiting_for_a_hop_returns_once_it_is_answered(redis_client) -> None:
    store = SessionStore(redis_client, State.read)
    store.save("s1", "p", Kept(State(), hop="k", reply="END done"), None)
    assert store.wait_for_hop("s1", "k", 1.0) == Kept(State(), hop="k", reply="END done")
    assert store.wait_for_hop("s1", "other", 1.0) is None   # nobody holds the lock


def test_replies_behind_a_refused_command_never_reach_the_next_hop(redis_client) -> None:
    # The hop's trips bypass redis-py's pipeline: after an error reply in the middle, the
    # replies behind it must never be read by the next hop as its own.
    store = SessionStore(redis_client, State.read)
    redis_client.set("ussd:l:p", b"en")
    with pytest.raises(redis.ResponseError):
        store._trip(("SET", "x", b"word"), ("INCR", "x"), ("GET", "ussd:l:p"))
    store.save("s1", "p", Kept(new_state("sw", None)), None)
    loaded = store.load("s1", "p")
    assert loaded.lang == "en" and loaded.kept == Kept(new_state("sw", None))
    assert redis_client.get("x") == b"word"


def test_each_thread_trips_on_its_own_connection_and_a_lost_one_is_remade(redis_client) -> None:
    # No pool checkout per trip: each thread keeps one connection, so two threads never
    # share one, and a connection the server dropped is made again by the client's retry.
    store = SessionStore(redis_client, State.read)
    first = store._trip(("CLIENT", "ID"))[0]
    assert store._trip(("CLIENT", "ID"))[0] == first
    other: list[int] = []
    worker = threading.Thread(target=lambda: other.append(store._trip(("CLIENT", "ID"))[0]))
    worker.start()
    worker.join()
    assert other and other[0] != first
    redis_client.client_kill_filter(_id=first)
    store.save("s2", "p", Kept(new_state("en", None)), None)
    assert store.load("s2", "p").kept == Kept(new_state("en", None))
    assert store._trip(("CLIENT", "ID"))[0] not in (first, other[0])


def test_open_stores_a_new_session_only_where_nothing_is_kept(redis_client) -> None:
    store = SessionStore(redis_client, State.read)
    first = Kept(new_state("en"), hop="0:0")
    assert store.open("s1", "p", first.encode()) is None  # opened: nothing was kept
    assert store.load("s1", "p").kept == first
    assert 0 < redis_client.ttl("ussd:s:s1") <= 300

    again = store.open("s1", "p", Kept(new_state("sw")).encode())  # a later hop, a retry
    assert again is not None and again.kept == first
    assert store.load("s1", "p").kept == first  # not overwritten

    draft = Draft(kind="complaint", key="k1")
    redis_client.set("ussd:d:q", draft.encode())
    kept = store.open("s2", "q", first.encode())  # a redial: the draft changes the opening
    assert kept is not None and kept.kept is None and Draft.decode(kept.draft_raw) == draft
    redis_client.set("ussd:l:r", b"en")
    kept = store.open("s3", "r", first.encode())  # a language just changed, not in the snapshot
    assert kept is not None and kept.lang == "en"
    assert redis_client.get("ussd:s:s2") is None and redis_client.get("ussd:s:s3") is None


def test_open_sends_its_script_whole_to_a_server_that_lost_it(redis_client) -> None:
    store = SessionStore(redis_client, State.read)
    redis_client.script_flush()
    assert store.open("s1", "p", Kept(new_state("sw")).encode()) is None
    assert store.open("s1", "p", Kept(new_state("sw")).encode()) is not None  # now by its sha
