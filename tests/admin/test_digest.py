"""The officer's daily digest: contents in their language, once a day, opt-out, e-mail by SMTP.

The e-mail goes to a real SMTP exchange on a socket (a few lines of server below),
the way smtplib talks to any server.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import desk, digest
from core.models import OutboundMessage, utcnow
from tests.admin.conftest import post


def digests(session) -> list[OutboundMessage]:
    return list(session.scalars(select(OutboundMessage).where(
        OutboundMessage.purpose == "digest").order_by(OutboundMessage.id)))


@pytest.fixture
def busy_desk(session, make_officer, make_feedback):
    officer = make_officer("TRA", phone="0744555666", language="en")
    held, late = make_feedback(), make_feedback()
    make_feedback()
    desk.take_feedback(session, held, officer)
    late.due_at = utcnow() - timedelta(days=1)
    session.commit()
    return officer


def test_the_digest_counts_new_held_and_overdue_in_the_officers_language(
        session, busy_desk, make_officer) -> None:
    swahili = make_officer("TRA", phone="0744555667")
    quiet = make_officer("NIDA", phone="0744555668")  # nothing at NIDA: no SMS
    sent = digest.send_digests(session)
    session.commit()
    assert {d.officer_id for d in sent} == {busy_desk.id, swahili.id}
    texts = {m.phone: m.text for m in digests(session)}
    assert "TRA tax: 3 new, 1 held by you, 1 overdue." in texts["+255744555666"]
    assert "mpya 3, unazoshikilia 0, zilizochelewa 1." in texts["+255744555667"]
    assert "+255744555668" not in texts and quiet.digest_sent_on is None


def test_at_most_one_digest_a_day(session, busy_desk) -> None:
    digest.send_digests(session)
    session.commit()
    assert digest.send_digests(session) == []
    session.commit()
    assert len(digests(session)) == 1


def test_an_officer_who_opted_out_gets_none(session, busy_desk, login) -> None:
    client = login(busy_desk)
    assert post(client, "/admin/digest", page="/admin/").status_code == 303
    session.refresh(busy_desk)
    assert busy_desk.digest_opt_out
    assert digest.send_digests(session) == [] and digests(session) == []


class _SMTP(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"220 test\r\n")
        body: list[bytes] | None = None
        for line in self.rfile:
            if body is not None:
                if line == b".\r\n":
                    self.server.mails.append(b"".join(body).decode())  # type: ignore[attr-defined]
                    body = None
                    self.wfile.write(b"250 ok\r\n")
                else:
                    body.append(line)
                continue
            verb = line[:4].upper()
            if verb == b"DATA":
                body = []
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    server.mails = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_daily_job_also_mails_when_smtp_is_configured(app, session, busy_desk,
                                                          smtp_server, monkeypatch) -> None:
    from web import schedule

    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.server_address[1])
    with app.app_context():
        assert schedule.send_digests() == 1
    [mail] = smtp_server.mails  # type: ignore[attr-defined]
    assert f"To: {busy_desk.email}" in mail and "3 new, 1 held by you, 1 overdue." in mail
