"""The SMS keyword grammar: a pure function from a message's text to a :class:`Command`.

No I/O and no database: the institution part is returned as typed and matched by
the directory (:mod:`core.directory`), so the parser can be tested over a corpus and timed alone
(``python -m sms.bench``). Keywords are understood in Swahili and English, in any
case, wrapped in stray punctuation, and with one typo in keywords of five letters
or more (shorter ones such as STOP or HALI are exact: one edit away from them lie
everyday words like "top" or "hali ya", and an opt-out must never be a guess).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import ascii_uppercase

# action, feedback kind, language the keyword is in.
SUBMIT_KEYWORDS = {
    "LALAMIKO": ("complaint", "sw"), "MALALAMIKO": ("complaint", "sw"),
    "PENDEKEZO": ("suggestion", "sw"), "MAPENDEKEZO": ("suggestion", "sw"),
    "SWALI": ("inquiry", "sw"), "ULIZO": ("inquiry", "sw"), "MASWALI": ("inquiry", "sw"),
    "PONGEZI": ("compliment", "sw"), "MAONI": ("opinion", "sw"),
    "COMPLAINT": ("complaint", "en"), "SUGGESTION": ("suggestion", "en"),
    "INQUIRY": ("inquiry", "en"), "ENQUIRY": ("inquiry", "en"), "QUESTION": ("inquiry", "en"),
    "COMPLIMENT": ("compliment", "en"), "OPINION": ("opinion", "en"),
}
OTHER_KEYWORDS = {
    "HALI": ("status", "sw"), "STATUS": ("status", "en"), "TRACK": ("status", "en"),
    "RUFAA": ("appeal", "sw"), "APPEAL": ("appeal", "en"),
    "MSAADA": ("help", "sw"), "HELP": ("help", "en"),
    "LUGHA": ("language", "sw"), "LANGUAGE": ("language", "en"),
    "ACHA": ("stop", "sw"), "STOP": ("stop", "en"),
    "ANZA": ("start", "sw"), "START": ("start", "en"),
    "NDIYO": ("yes", "sw"), "NDIO": ("yes", "sw"), "YES": ("yes", "en"),
    "RATE": ("rate", "en"), "ALAMA": ("rate", "sw"),
    "ONGEZA": ("add", "sw"), "ADD": ("add", "en"),
}
# Sema na Kiongozi (issue 16): a message to a leader's office, in the submit form.
LEADER_KEYWORDS = {"KIONGOZI": "sw", "VIONGOZI": "sw", "LEADER": "en", "LEADERS": "en"}
LEADER_KIND = "complaint"
ANONYMOUS_WORDS = frozenset({"SIRI", "ANON", "ANONYMOUS", "ANONYMOUSLY"})
LANGUAGE_WORDS = {"EN": "en", "ENG": "en", "ENGLISH": "en", "KIINGEREZA": "en",
                  "SW": "sw", "SWA": "sw", "SWAHILI": "sw", "KISWAHILI": "sw"}
# "ALAMA" is one letter from "SALAMA" (a greeting), "START" from "SMART".
EXACT_ONLY = frozenset({"ALAMA", "START"})
# Commands that take no text: with a sentence after them they are not a command at all.
BARE = frozenset({"help", "stop", "start", "yes"})
MAX_BARE_WORDS = 2
MIN_FUZZY = 5
# A whole message of only these words is a greeting or thanks: answered, never filed.
GREETING_WORDS = frozenset({
    "ASANTE", "AHSANTE", "ASANTENI", "AHSANTENI", "SANA", "SHUKRANI", "NASHUKURU", "HABARI",
    "YAKO", "ZAKO", "ZA", "ASUBUHI", "MCHANA", "JIONI", "MAMBO", "VIPI", "SALAMA", "JAMBO",
    "HUJAMBO", "SHIKAMOO", "SALAAM", "HELLO", "HI", "HEY", "THANK", "THANKS", "YOU", "VERY",
    "MUCH", "GOOD", "MORNING", "AFTERNOON", "EVENING", "DAY", "GREETINGS", "OK", "SAWA"})
GREETING_STARTS = frozenset({"ASANTE", "AHSANTE", "ASANTENI", "AHSANTENI", "SHUKRANI",
                             "NASHUKURU", "HABARI", "MAMBO", "SALAMA", "JAMBO", "HUJAMBO",
                             "SHIKAMOO", "SALAAM", "HELLO", "HI", "HEY", "THANK", "THANKS",
                             "GOOD", "GREETINGS"})
ENGLISH_GREETINGS = frozenset({"HELLO", "HI", "HEY", "THANK", "THANKS", "GOOD", "GREETINGS"})
MAX_GREETING_WORDS = 5
MAX_INSTITUTION = 60
MAX_INSTITUTION_WORDS = 8

_LEAD = re.compile(r"[\W_]*([A-Za-z][A-Za-z01]*)(.*)", re.DOTALL)
# A zero typed for an O, a one for an I: "LALAMIK0".
_LOOKALIKES = str.maketrans("01", "OI")
_STRAY = " \t\r\n*:;.,!?#-_'\"()[]<>~=+/\\|"
_RATING = re.compile(r"[\W_]*((?:\d[\s.\-]*){10})\D{0,3}?([1-5])(?:\s*/\s*5)?[\W_]*", re.ASCII)
_DIGIT = re.compile(r"[\W_]*([1-5])(?:\s*/\s*5)?[\W_]*", re.ASCII)
_REFERENCE = re.compile(r"[\W_]*(\d[\d \-.]*\d|\d)(.*)", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Command:
    """What a message asks for. ``lang`` is the language of its keyword, if it had one."""

    action: str                      # submit leader status appeal add help language stop
    #                                  yes rate greeting
    kind: str | None = None          # ... unknown (no keyword) or empty
    anonymous: bool = False
    institution: str | None = None   # the part before the first ':' as typed
    text: str = ""                   # description, appeal reason, or the whole unknown text
    reference: str | None = None
    rating: int | None = None
    language: str | None = None      # LUGHA's argument
    lang: str | None = None


def _one_edit(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in ascii_uppercase}
    out |= {a + c + b for a, b in splits for c in ascii_uppercase}
    return out


def _build_table() -> dict[str, tuple[str, str | None, str]]:
    """Every keyword and every unambiguous one-edit typo of the longer ones."""
    exact: dict[str, tuple[str, str | None, str]] = {}
    for word, (kind, lang) in SUBMIT_KEYWORDS.items():
        exact[word] = ("submit", kind, lang)
    for word, (action, lang) in OTHER_KEYWORDS.items():
        exact[word] = (action, None, lang)
    for word, lang in LEADER_KEYWORDS.items():
        exact[word] = ("leader", LEADER_KIND, lang)
    typos: dict[str, set[tuple[str, str | None, str]]] = {}
    for word, meaning in exact.items():
        if len(word) >= MIN_FUZZY and word not in EXACT_ONLY:
            for variant in _one_edit(word):
                typos.setdefault(variant, set()).add(meaning)
    table = {v: next(iter(m)) for v, m in typos.items()
             if len({(a, k) for a, k, _ in m}) == 1 and len(v) >= 4}
    table.update(exact)
    return table


TABLE = _build_table()


def _clean(text: str) -> str:
    """Whitespace collapsed, stray punctuation gone from the front (a '?' at the end stays)."""
    return " ".join(text.lstrip(_STRAY).split())


def parse(text: str) -> Command:
    """Turn one inbound SMS into a Command; never raises."""
    stripped = text.strip() if text else ""
    if not stripped:
        return Command("empty")
    m = _DIGIT.fullmatch(stripped)
    if m:
        return Command("rate", rating=int(m.group(1)))
    m = _RATING.fullmatch(stripped)
    if m:
        return Command("rate", reference=_digits(m.group(1)), rating=int(m.group(2)))
    m = _LEAD.match(stripped)
    meaning = TABLE.get(m.group(1).upper().translate(_LOOKALIKES)) if m else None
    if m is None or meaning is None:
        return _greeting(stripped) or Command("unknown", text=" ".join(stripped.split()))
    action, kind, lang = meaning
    rest = m.group(2)
    if action in ("submit", "leader"):
        return _submit(rest, kind, lang, action)
    if action == "add" and _REFERENCE.match(rest) is None:  # "add water...": not a command
        return Command("unknown", text=" ".join(stripped.split()))
    if action in ("status", "appeal", "rate", "add"):
        return _with_reference(action, rest, lang)
    if action == "language":
        word = _WORD.search(rest)
        chosen = LANGUAGE_WORDS.get(word.group(0).upper()) if word else None
        return Command("language", language=chosen, lang=lang)
    if len(rest.split()) > MAX_BARE_WORDS and action in BARE:
        return Command("unknown", text=" ".join(stripped.split()))
    return Command(action, lang=lang)


def _greeting(text: str) -> Command | None:
    """"Asante sana", "habari", "thank you": a few greeting words and nothing else."""
    words = [w.upper() for w in re.findall(r"[^\W\d_]+|\d+", text)]
    if (not words or len(words) > MAX_GREETING_WORDS or words[0] not in GREETING_STARTS
            or not GREETING_WORDS.issuperset(words)):
        return None
    return Command("greeting", lang="en" if words[0] in ENGLISH_GREETINGS else "sw")


def _digits(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


def _submit(rest: str, kind: str | None, lang: str, action: str = "submit") -> Command:
    body = rest.lstrip(_STRAY)
    anonymous = False
    m = _LEAD.match(body)
    if m and m.group(1).upper() in ANONYMOUS_WORDS:
        anonymous, body = True, m.group(2).lstrip(_STRAY)
    institution = None
    head, colon, tail = body.partition(":")
    if colon:
        candidate = _clean(head).rstrip(_STRAY)
        if (candidate and len(candidate) <= MAX_INSTITUTION
                and len(candidate.split()) <= MAX_INSTITUTION_WORDS
                and not candidate.isdigit()):
            # What follows the ':' is the citizen's text exactly, only its spacing evened.
            return Command(action, kind=kind, anonymous=anonymous, institution=candidate,
                           text=" ".join(tail.split()), lang=lang)
    return Command(action, kind=kind, anonymous=anonymous, institution=institution,
                   text=_clean(body), lang=lang)


def _with_reference(action: str, rest: str, lang: str) -> Command:
    m = _REFERENCE.match(rest)
    if m is None:
        return Command(action, text=_clean(rest), lang=lang)
    digits, after = _digits(m.group(1)), m.group(2)
    if action == "rate":
        r = _DIGIT.fullmatch(after)
        if len(digits) == 11 and not after.strip() and digits[-1] in "12345":
            return Command("rate", reference=digits[:10], rating=int(digits[-1]), lang=lang)
        return Command("rate", reference=digits, rating=int(r.group(1)) if r else None, lang=lang)
    if action == "add":  # the added words exactly as typed, like a description's
        return Command(action, reference=digits, text=" ".join(after.lstrip(" :").split()),
                       lang=lang)
    return Command(action, reference=digits, text=_clean(after), lang=lang)
