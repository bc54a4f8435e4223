"""Production logs: JSON lines with the request id, numbers masked, no token (real gunicorn)."""

from __future__ import annotations

import json

import pytest
import requests

from bench.processes import Process, app_env, free_port, gunicorn_cmd
from infra.logging import mask_text

SECRET = "s3cr3t-callback-token"


@pytest.mark.parametrize(("line", "hidden"), [
    ("POST /ussd/africastalking?token=abc123&x=1 HTTP/1.1", "abc123"),
    ("Authorization: Bearer eyJhbGciOi.J9x", "eyJhbGciOi"),
    ("username=sandbox&apiKey=atsk_0123abcd", "atsk_0123abcd"),
    ("password=hunter2", "hunter2"),
])
def test_secrets_are_starred_out(line: str, hidden: str) -> None:
    masked = mask_text(line)
    assert hidden not in masked and "***" in masked


def test_gunicorn_writes_json_lines_with_the_request_id_and_no_secret(database_url,
                                                                     tmp_path) -> None:
    port, dead_redis = free_port(), free_port()       # Redis down: the hop logs an error
    env = app_env(database_url, f"redis://127.0.0.1:{dead_redis}/0",
                  MREJESHO_CALLBACK_TOKEN=SECRET)
    server = Process(gunicorn_cmd(port, 1, "--access-logfile", "-"), env, tmp_path / "out.log")
    base = f"http://127.0.0.1:{port}"
    try:
        server.start().wait_healthy(base)
        resp = requests.post(f"{base}/ussd/africastalking?token={SECRET}", data={
            "sessionId": "sess-+255712345678", "serviceCode": "*152*00#",
            "phoneNumber": "+255712345678", "networkCode": "63902", "text": ""},
            headers={"X-Request-ID": "req-42"}, timeout=15)
        assert resp.status_code == 200 and resp.text.startswith("END ")   # the apology
        assert resp.headers["X-Request-ID"] == "req-42"
        made = requests.get(base + "/healthz", timeout=5).headers["X-Request-ID"]
        assert len(made) == 32                                            # one made here
    finally:
        server.stop()
    text = (tmp_path / "out.log").read_text()
    assert SECRET not in text and "712345678" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    hop = [x for x in lines if x["logger"] == "ussd.hop"]
    assert hop and hop[0]["level"] == "ERROR" and hop[0]["request_id"] == "req-42"
    assert "Redis" in hop[0]["message"] and "exc" in hop[0]
    access = [x for x in lines if x["logger"] == "gunicorn.access"]
    assert any("/ussd/africastalking?token=***" in x["message"] for x in access), access
