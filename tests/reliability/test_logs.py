"""The callback token never reaches a log: the Procfile's web server, werkzeug, Flask.

The token is the only thing between the internet and "an SMS from any number",
and logs travel further than the database. The Procfile test runs the web line
exactly as a platform would (``sh -c``), on a port of its own.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import urllib.error
import urllib.parse
import urllib.request

import pytest
import requests

from bench.processes import ROOT, Process, app_env, free_port

TOKEN = "tok-7f3c9a1be2d44c0f9a8b"


def _procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("the Procfile has no web process")


def _access_log_on(command: str) -> bool:
    """Whether the web line writes an access log: gunicorn's ``--access-logfile`` or
    granian's ``--access-log`` (granian's ``--no-access-log``, the default, is off)."""
    words = shlex.split(command)
    return any(w == "--access-log" or w.startswith("--access-logfile") for w in words)


def test_the_access_log_switch_is_read_per_server() -> None:
    assert not _access_log_on("granian --interface wsgi --no-access-log 'wsgi:app'")
    assert _access_log_on("granian --interface wsgi --access-log 'wsgi:app'")
    assert _access_log_on("gunicorn --access-logfile - 'wsgi:app'")
    assert not _access_log_on("gunicorn 'wsgi:app'")


def _post(url: str, form: dict[str, str]) -> int:
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_the_procfile_web_server_never_logs_the_token(app, tmp_path) -> None:
    port = free_port("MREJESHO_TEST_PORTS")
    env = app_env(app.config["DATABASE_URL"], app.config["REDIS_URL"], drop=("MREJESHO_",),
                  PORT=str(port), WEB_CONCURRENCY="1", MREJESHO_CALLBACK_TOKEN=TOKEN,
                  MREJESHO_SMS_DISPATCH="false",
                  PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}")
    log = tmp_path / "web.log"
    proc = Process(["sh", "-c", "exec " + _procfile_web()], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        proc.start().wait_healthy(base)
        hop = {"sessionId": "log-1", "serviceCode": "*152*00#", "phoneNumber": "+255712345678",
               "networkCode": "63902", "text": ""}
        assert _post(f"{base}/ussd/africastalking?token={TOKEN}", hop) == 200
        assert _post(f"{base}/ussd/africastalking?a=1&token={TOKEN}x", hop) == 403
        assert _post(f"{base}/sms/africastalking/delivery?token={TOKEN}", {"id": "x"}) == 400
        requests.get(f"{base}/nowhere?token={TOKEN}", timeout=5)
    finally:
        proc.stop()
    written = log.read_text(errors="replace")
    if _access_log_on(_procfile_web()):  # the access log is on: it logged these requests
        assert "/ussd/africastalking" in written, written[-2000:]
    assert TOKEN not in written, [ln for ln in written.splitlines() if TOKEN in ln]


def test_the_embedded_servers_request_log_masks_the_token(live_server, caplog) -> None:
    caplog.set_level(logging.INFO)
    requests.post(f"{live_server}/ussd/africastalking?token={TOKEN}", timeout=10,
                  data={"sessionId": "log-2", "phoneNumber": "+255712345678", "text": ""})
    requests.get(f"{live_server}/healthz?x=1&token={TOKEN}", timeout=10)
    assert "/ussd/africastalking" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("line", [
    f"POST /sms/africastalking/inbound?token={TOKEN} HTTP/1.1",
    f"https://gw.example/ussd/beem?x=1&token={TOKEN}#top",
    f"GET /ussd/africastalking%3Ftoken%3D{TOKEN}",
])
def test_any_logger_masks_a_token_in_a_url(app, caplog, line) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("gunicorn.error").error("Error handling request %s", line)
    try:
        raise RuntimeError(line)
    except RuntimeError:
        logging.getLogger("flask.app").exception("Exception on %s", line)
    assert TOKEN not in caplog.text and "token" in caplog.text.lower()


def test_the_procfile_access_format_has_no_query_string() -> None:
    """The rule for whoever changes the Procfile: the path, never the request line."""
    args = shlex.split(_procfile_web())
    if "gunicorn" not in args[0]:
        pytest.skip("the web process is not gunicorn")
    assert "--access-logformat" in args
    fmt = args[args.index("--access-logformat") + 1]
    assert "%(U)s" in fmt and not re.search(r"%\((r|q|f|\{[^}]*\}i)\)s", fmt), fmt


def test_sql_parameters_never_reach_an_error_or_its_traceback(app, caplog) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    words = "siri ya raia 0712345678 kuhusu rushwa"
    engine = app.extensions["db"].engine
    with pytest.raises(SQLAlchemyError) as failed:
        with engine.connect() as conn:
            conn.execute(text("SELECT CAST(:words AS TEXT), 1/0"), {"words": words})
    try:
        raise failed.value
    except SQLAlchemyError:
        logging.getLogger("sms.views").exception("inbound SMS could not be stored")
    assert "siri ya raia" not in str(failed.value) and "siri ya raia" not in caplog.text
    assert "hidden due to hide_parameters" in str(failed.value)
