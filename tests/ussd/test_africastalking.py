"""Whole sessions through ``POST /ussd/africastalking``, as Africa's Talking sends them."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from sqlalchemy import func, select

import ussd.hop
from core.models import Feedback, OutboundMessage, Subscriber
from core.services import answer_feedback, find_feedback

PHONE = "+255712345678"


def count(session, model=Feedback) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def to_confirm(s, text: str = "Barabara ya kijiji*imeharibika") -> str:
    s.dial()
    s.send("9", "2", "1")              # e-Mrejesho, Lalamiko
    s.send("2", "1")                    # agencies, their first letter range
    s.send("1")                         # first agency on page 1
    s.send(text)
    s.send("1", "2")                    # go on, anonymous
    return s.text


def test_submit_a_complaint_with_a_star_in_the_text(at, session) -> None:
    s = at()
    assert "9 " in s.dial()
    assert "2 e-Mrejesho" in s.send("9")
    home = s.send("2")
    assert "1 Lalamiko" in home and "8 Lugha/Language" in home
    assert "Lalamiko kwa:" in s.send("1")
    assert s.send("1").startswith("CON Wizara: herufi za kwanza\n1 A-")
    ministries = s.send("1")
    assert ministries.startswith("CON Wizara A-")
    desc = s.send("2")
    assert desc.startswith("CON Eleza kwa ")
    assert "Umeandika herufi" in s.send("Maji*hayatoki tangu jana")
    more = s.send("2")
    assert "Ongeza: hadi herufi 275:" in more  # 300 less the 24 written and a space
    assert "Nijulikane kwa namba yangu" in s.send("kwa siku tatu", "1")
    s.send("1")                         # known, with my number
    confirm = s.send("Asha Juma")
    assert "\n(1/2) Maji*hayatoki tangu jana kwa siku\n98 Zaidi\n" in confirm  # paged, not cut
    assert "Asha Juma" in confirm
    assert s.send("98").startswith("CON (2/2) tatu\n")
    done = s.send("1")
    assert done.startswith("END Asante. Namba yako ya kumbukumbu ni ")
    ref = done.split("ni ")[1][:10]
    feedback = find_feedback(session, ref)
    assert feedback.description == "Maji*hayatoki tangu jana kwa siku tatu"
    assert (feedback.kind, feedback.channel, feedback.submitter_name) == (
        "complaint", "ussd", "Asha Juma")
    assert feedback.submitter_phone == PHONE and not feedback.anonymous
    sms = session.scalars(select(OutboundMessage)).all()
    assert [(m.phone, m.purpose) for m in sms] == [(PHONE, "reference")]
    assert ref in sms[0].text


def test_dial_through_lands_on_e_mrejesho(at) -> None:
    assert at().dial("9*2").startswith("CON e-Mrejesho\n1 Lalamiko")
    s = at(service_code="*152*00*9*2#")
    assert s.dial().startswith("CON e-Mrejesho\n1 Lalamiko")
    assert s.send("2").startswith("CON Pendekezo kwa:\n1 Wizara")


def test_retry_of_the_submit_hop_gets_the_same_answer_and_one_record(at, session) -> None:
    s = at()
    to_confirm(s)
    first = s.send("1")
    assert first.startswith("END ")
    assert s.retry() == first
    assert s.retry() == first
    assert s.send("1") == first                     # nothing after the END changes anything
    assert count(session) == 1
    assert count(session, OutboundMessage) == 1


def test_concurrent_identical_submit_hops_make_one_record(app, at, session) -> None:
    s = at()
    text = to_confirm(s) + "*1"
    bodies: list[str] = []
    barrier = threading.Barrier(6)

    def hop() -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post("/ussd/africastalking", data={
            "sessionId": s.session_id, "serviceCode": "*152*00#", "phoneNumber": PHONE,
            "networkCode": "63902", "text": text})
        bodies.append(resp.get_data(as_text=True))

    threads = [threading.Thread(target=hop) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(bodies) == 6 and len(set(bodies)) == 1, bodies
    assert bodies[0].startswith("END Asante")
    assert count(session) == 1


def test_retry_of_a_navigation_hop_changes_nothing(at) -> None:
    s = at()
    s.dial("9*2")
    group = s.send("1")
    assert s.retry() == group
    assert "Wizara" in s.send("1")


def test_back_home_and_paging(at) -> None:
    s = at()
    s.dial("9*2")
    regions = s.send("3", "7")                     # Ulizo, the regions starting M
    assert regions.startswith("CON Mkoa:\n1 Manyara\n2 Mara\n3 Mbeya\n4 Morogoro")
    page1 = s.send("4")                            # Morogoro's secretariat and councils
    assert page1.startswith("CON Morogoro:\n1 Mkoa wa Morogoro\n2 ") and "98 Zaidi" in page1
    page2 = s.send("98")
    assert page2 != page1 and "Morogoro Manispaa" in page2
    assert "98 Zaidi" not in page2                 # the district offices: item 2 of page 1
    assert s.send("98").startswith("CON Hakuna ukurasa unaofuata.")
    assert s.send("0") == page1                    # back one page
    offices = s.send("2")
    assert offices.startswith("CON Wakuu wa Wilaya, Morogoro:\n1 Gairo\n") and "98" not in offices
    assert s.send("0") == page1
    wrong = s.send("77")
    assert wrong.startswith("CON Chaguo si sahihi, jaribu tena.\nMorogoro:\n")
    home = s.send("00")
    assert home.startswith("CON e-Mrejesho")
    assert s.send("0").startswith("CON Huduma kwa wananchi")


def test_search_by_typed_letters(at) -> None:
    s = at()
    s.dial("9*2")
    s.send("5", "3")                               # Maoni, search by name
    assert "Hakuna taasisi" in s.send("zzq")
    found = s.send("TRA")
    assert found.startswith("CON Zilizopatikana:\n1 TRA")
    assert "Eleza kwa TRA" in s.send("1")


def test_too_short_text_reshows_the_screen(at) -> None:
    s = at()
    s.dial("9*2")
    s.send("1", "4")                                # I do not know: the triage desk
    assert s.send("a").startswith("CON Fupi mno: andika angalau herufi 3.\nEleza kwa ")


def test_language_is_remembered_for_the_number(at, session) -> None:
    s = at()
    s.dial("9*2")
    assert s.send("8").startswith("CON Lugha/Language")
    english = s.send("2")
    assert english.startswith("CON Language changed.\ne-Mrejesho\n1 Complaint")
    assert session.scalar(select(Subscriber.language).where(Subscriber.phone == PHONE)) == "en"
    again = at()
    assert again.dial() == "CON Government services\n9 Services for citizens"
    assert "Complaint to:" in again.send("9", "2", "1")
    assert again.send("0", "8", "1").startswith("CON Lugha imebadilishwa.")


def test_english_submit(at, session) -> None:
    s = at()
    s.dial("9*2*8*2")
    s.send("5", "4", "Good service at the office", "1", "2")   # opinion, the central desk
    assert s.send("1").startswith("END Thank you. Your reference number is ")
    assert session.scalar(select(Feedback.language)) == "en"


def test_track_and_appeal(at, session, make_feedback, make_officer) -> None:
    feedback = make_feedback(phone=PHONE, channel="ussd")
    s = at()
    s.dial("9*2")
    s.send("6")
    assert "Namba si sahihi" in s.send("1234")
    status = s.send(feedback.reference)
    assert status.startswith(f"END {feedback.reference}: Lalamiko kwa TRA")
    assert "Hali: imepokelewa." in status

    early = at()
    early.dial("9*2*7")
    early.send(feedback.reference)
    assert "hauwezi kukatiwa rufaa" in early.send("Sijaridhika na jibu")

    officer = make_officer("TRA")
    answer_feedback(session, feedback, officer, "Tumeshughulikia.")
    session.commit()
    other = at(phone="+255713000111")
    other.dial("9*2*7")
    other.send(feedback.reference)
    assert "namba iliyoutuma tu" in other.send("Sijaridhika")

    appeal = at()
    appeal.dial("9*2*7")
    assert "Kwa nini" in appeal.send(feedback.reference)
    done = appeal.send("Jibu*halijanisaidia")
    assert done.startswith(f"END Rufaa yako ya {feedback.reference} imepokelewa")
    session.expire_all()
    assert find_feedback(session, feedback.reference).status == "appealed"
    assert find_feedback(session, feedback.reference).appeal_reason == "Jibu*halijanisaidia"


def test_unknown_reference_reshows_the_prompt(at) -> None:
    s = at()
    s.dial("9*2*6")
    ref = "1234567890"
    from core.references import damm_digit
    ref = ref[:9] + str(damm_digit(ref[:9]))
    assert s.send(ref) == "CON Hakuna mrejesho wenye namba hiyo.\n" + \
        "Andika namba ya kumbukumbu (tarakimu 10):\n0 Rudi"


def test_rate_limited_submit_is_told_to_wait(at, make_feedback, session) -> None:
    for _ in range(10):
        make_feedback(phone=PHONE, channel="ussd")
    s = at()
    to_confirm(s)
    assert s.send("1") == "END Umetuma mara nyingi mno. Tafadhali jaribu tena baadaye."
    assert count(session) == 10


def test_delete_the_draft(at, redis_client) -> None:
    s = at()
    to_confirm(s)
    assert s.send("2").startswith("CON Futa rasimu hii?\n1 Ndiyo, futa\n2 Hapana, ibaki")
    assert redis_client.get(f"ussd:d:{PHONE}") is not None  # asked once, nothing gone yet
    assert s.send("1") == "END Rasimu yako imefutwa."
    assert redis_client.get(f"ussd:d:{PHONE}") is None


def test_language_set_by_sms_is_known_without_a_query_per_session(app, at, session) -> None:
    from core.services import remember_language
    remember_language(session, "+255715000333", "en")        # as the SMS channel does
    session.commit()
    app.extensions["ussd_menu"].reset()                       # the next snapshot reload
    assert at(phone="+255715000333").dial().startswith("CON Government services")
    assert at(phone="+255715000444").dial().startswith("CON Huduma za Serikali")


def _round_trips(redis_client, hop: Callable[[], str]) -> list[str]:
    """The commands ``hop`` sent to the app's Redis database: not those its scripts ran, nor
    the health check redis-py makes on a connection new or idle for 30 s."""
    db = redis_client.connection_pool.connection_kwargs.get("db", 0)
    marker = f"end-{uuid.uuid4().hex}"
    with redis_client.monitor() as monitor:
        hop()
        redis_client.echo(marker)
        sent = []
        for command in monitor.listen():
            if marker in command["command"]:
                return sent
            name = command["command"].split()[0].upper()
            if command["db"] == db and command["client_type"] != "lua" and name != "PING":
                sent.append(name)
    return sent


def test_a_first_hop_is_one_round_trip_and_a_later_one_two(at, redis_client) -> None:
    s = at()
    assert _round_trips(redis_client, s.dial) == ["EVALSHA"]  # looks and stores at once
    assert _round_trips(redis_client, lambda: s.send("9")) == ["MGET", "SET"]  # seen here
    assert _round_trips(redis_client, lambda: s.send("2")) == ["MGET", "SET"]
    dialled = at()
    assert _round_trips(redis_client, lambda: dialled.dial("9*2")) == ["EVALSHA"]
    assert dialled.retry() == s.retry()  # the same screen, by either way in
    assert s.retry().startswith("CON e-Mrejesho")
    assert _round_trips(redis_client, lambda: s.send("1*x")) == ["MGET", "SET"]  # not dial-only


def test_a_later_hop_another_process_saw_first_goes_on_from_what_is_kept(at, redis_client) -> None:
    s = at()
    s.dial()
    s.send("9")
    ussd.hop._ANSWERED.clear()  # as if the hops so far had come to another worker
    assert _round_trips(redis_client, lambda: s.send("2")) == ["EVALSHA", "SET"]  # found it
    assert s.retry() == at().dial("9*2")
    # seen here again: a plain MGET, then the session and the draft it begins (one pipeline)
    assert _round_trips(redis_client, lambda: s.send("1")) == ["MGET", "SET", "SET"]

