"""Issue 14 through ``POST /ussd/africastalking``: the citizen's words and rights, whole."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Feedback, OutboundMessage
from core.services import answer_feedback, close_feedback, find_feedback
from tests.ussd.conftest import PHONE

OTHER = "+255754000111"
ANSWER = ("Tumepokea malalamiko yako. Afisa wetu atafika kijijini Jumatatu ijayo "
          "kukagua barabara na kupanga matengenezo pamoja na halmashauri. ") * 4


def submit(s, text: str) -> str:
    s.dial("9*2*1*3")                   # complaint, search by name (3)
    s.send("TRA", "1", text, "1", "2")  # TRA, the text, go on, anonymous
    done = s.send("1")
    assert done.startswith("END Asante."), done
    return done


def _ref(done: str) -> str:
    return next(w for w in done.replace(";", " ").replace(".", " ").split() if w.isdigit()
                and len(w) == 10)


def test_a_nul_in_the_description_is_dropped_not_an_apology_loop(at, session) -> None:
    done = submit(at(), "Maji\x00 hayatoki tangu jana")
    fb = find_feedback(session, _ref(done))
    assert fb.description == "Maji hayatoki tangu jana"


def test_a_full_description_says_how_to_add_the_rest_by_sms(at, session, client) -> None:
    s = at()
    s.dial("9*2*1*3")
    s.send("TRA", "1", "a" * 150, "2")
    screen = s.send("b" * 149)
    assert "Ongeza maelezo" not in screen and "ONGEZA" in screen
    s.send("2")                          # full: already on "who is sending" (issue 21)
    done = s.send("1")
    ref = _ref(done)
    assert f"ONGEZA {ref}" in done
    client.post("/sms/africastalking/inbound", data={
        "from": PHONE, "to": "15200", "text": f"ONGEZA {ref} na zaidi ya hayo", "id": "x1",
        "date": "2026-11-22 10:00:00", "linkId": "", "networkCode": "63902"})
    session.expire_all()
    assert find_feedback(session, ref).description.endswith("b" * 149 + " na zaidi ya hayo")


def test_tracking_by_the_sender_pages_through_the_whole_answer(at, session,
                                                               make_officer) -> None:
    ref = _ref(submit(at(), "Barabara imeharibika"))
    fb = find_feedback(session, ref)
    answer_feedback(session, fb, make_officer("TRA"), ANSWER)
    session.commit()
    s = at()
    s.dial("9*2")
    first = s.send("6", ref)
    assert first.startswith("CON ") and "98 Soma jibu" in first
    pages, screen = [], s.send("98")
    while True:
        head, _, rest = screen[4:].partition(": ")
        assert head.startswith("Jibu (")
        pages.append(rest.split("\n98 ")[0].split("\n0 ")[0])
        if "\n98 " not in screen:
            break
        screen = s.send("98")
    assert " ".join(pages) == " ".join(ANSWER.split()) and len(pages) > 3
    assert s.send("0").startswith(f"CON Jibu ({len(pages) - 1}/")   # back a page
    other = at(phone=OTHER)
    other.dial("9*2")
    seen = other.send("6", ref)
    assert seen.startswith(f"END {ref}: ") and "Jibu" not in seen and "Afisa" not in seen


def test_a_ussd_appeal_is_confirmed_by_sms_even_after_a_close(at, session,
                                                              make_officer) -> None:
    ref = _ref(submit(at(), "Barabara imeharibika"))
    fb = find_feedback(session, ref)
    officer = make_officer("TRA")
    answer_feedback(session, fb, officer, "Tumeirekebisha")
    close_feedback(session, fb, officer)   # "Funga" right after the answer
    session.commit()
    s = at()
    s.dial("9*2")
    done = s.send("7", ref, "Bado haijarekebishwa")
    assert done.startswith("END Rufaa yako") or "rufaa" in done.lower()
    session.expire_all()
    assert session.scalar(select(Feedback.status)) == "appealed"
    sms = session.scalars(select(OutboundMessage).where(
        OutboundMessage.purpose == "appealed")).all()
    assert len(sms) == 1 and ref in sms[0].text and sms[0].phone == PHONE


def test_tracking_an_escalated_item_says_so(at, session) -> None:
    ref = _ref(submit(at(), "Barabara imeharibika"))
    fb = find_feedback(session, ref)
    fb.escalated = True
    session.commit()
    s = at()
    s.dial("9*2")
    assert "Imepandishwa kwa" in s.send("6", ref)
    other = at(phone=OTHER)
    other.dial("9*2")
    assert "Imepandishwa" not in other.send("6", ref)


def test_paging_the_text_and_asking_once_touch_no_database(app, at) -> None:
    """The new screens are navigation: Redis only, no SQL on the hop (README, USSD: "navigation
    hops never query the database")."""
    from sqlalchemy import event

    s = at()
    s.dial("9*2*1*3")
    s.send("TRA", "1", "Barabara ya kijiji imeharibika tangu mwezi uliopita " * 2)
    statements: list[str] = []
    engine = app.extensions["db"].engine
    record = lambda conn, cursor, sql, *rest: statements.append(sql)  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert "Futa ulichoandika?" in s.send("0")
        assert "kati ya 300" in s.send("2")
        s.send("1", "2")                              # go on, anonymous: the confirm screen
        assert "(2/" in s.send("98")
        assert "Futa rasimu hii?" in s.send("2")
        assert "(2/" in s.send("2")                   # kept, back on the page it was on
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == []
