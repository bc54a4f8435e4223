"""The keyword grammar over a corpus of realistic messages, and over anything at all."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sms.bench import corpus, rate
from sms.parser import TABLE, Command, parse

CORPUS = json.loads((Path(__file__).parent / "corpus.json").read_text(encoding="utf-8"))


def test_the_corpus_is_large_and_bilingual() -> None:
    assert len(CORPUS) >= 150
    langs = {e["expect"].get("lang") for e in CORPUS}
    assert {"sw", "en"} <= langs
    actions = {e["expect"]["action"] for e in CORPUS}
    assert actions >= {"submit", "status", "appeal", "help", "language", "stop", "start",
                       "yes", "rate", "unknown", "empty"}


@pytest.mark.parametrize("entry", CORPUS, ids=[e["text"][:40] for e in CORPUS])
def test_corpus_message_parses_as_expected(entry) -> None:
    got = asdict(parse(entry["text"]))
    assert {k: got[k] for k in entry["expect"]} == entry["expect"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_parses_to_a_command(text: str) -> None:
    assert isinstance(parse(text), Command)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["LALAMIKO", "COMPLAINT", "MAONI", "OPINION"]),
       st.sampled_from(["", "*", ":", "  ", "!", "."]), st.booleans(),
       st.text(st.characters(codec="ascii", exclude_characters=":\x00"), min_size=3,
               max_size=80).filter(lambda s: s.strip(" \t\r\n*:;.,!?#-_'\"()[]<>~=+/\\|")))
def test_a_keyword_in_any_case_and_wrapping_submits(keyword, wrap, lower, body) -> None:
    word = keyword.lower() if lower else keyword
    body = "umeme " + body  # a body opening with SIRI/ANON is the anonymous form
    command = parse(f"{wrap}{word}{wrap} {body}")
    assert command.action == "submit" and command.institution is None
    assert command.text == " ".join(body.lstrip(" \t\r\n*:;.,!?#-_'\"()[]<>~=+/\\|").split())


@pytest.mark.parametrize("text,institution,body", [
    ("LALAMIKO SIRI TRA: -2+3", "TRA", "-2+3"),
    ("COMPLAINT TRA: \"=SUM(A1)\" is what they wrote", "TRA", "\"=SUM(A1)\" is what they wrote"),
    ("maoni TANESCO:   <b> *ok*  ", "TANESCO", "<b> *ok*"),
    ("PONGEZI TRA: 'asante' +++", "TRA", "'asante' +++"),
])
def test_the_text_after_the_colon_is_kept_exactly(text, institution, body) -> None:
    command = parse(text)
    assert (command.institution, command.text) == (institution, body)


@pytest.mark.parametrize("text", ["Asante sana", "asante", "Habari", "habari yako", "Mambo",
                                  "thank you", "Thanks!", "Hello", "good morning", "Shikamoo"])
def test_greetings_and_thanks_are_not_filed(text) -> None:
    assert parse(text).action == "greeting"


def test_short_keywords_are_never_guessed() -> None:
    """One edit from STOP or HALI lie ordinary words: an opt-out must be typed as such."""
    for typo in ("TOP", "SHOP", "STEP", "HALO", "HELL", "YET", "ACHE", "SALAMA"):
        assert typo not in TABLE
        assert parse(typo).action in ("unknown", "greeting")  # "Salama" greets, never rates


def test_the_parser_is_fast_enough_for_the_benchmark() -> None:
    """Not a timing test (the figure comes from ``python -m sms.bench``): a smoke run of it."""
    assert rate(corpus()[:20], rounds=1, per_round=200) > 0
