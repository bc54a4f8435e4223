"""Production logs: JSON lines with the request id, numbers masked, no token (real gunicorn)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from infra.logging import mask_text

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-callback-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    port, dead_redis = _free_port(), _free_port()     # Redis down: the hop logs an error
    env = {**os.environ, "DATABASE_URL": database_url,
           "REDIS_URL": f"redis://127.0.0.1:{dead_redis}/0",
           "SECRET_KEY": "a-test-secret-not-a-default", "MREJESHO_CALLBACK_TOKEN": SECRET}
    env.pop("MREJESHO_EMBEDDED", None)
    out = (tmp_path / "out.log").open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--bind",
         f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/healthz", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.2)
        resp = requests.post(f"{base}/ussd/africastalking?token={SECRET}", data={
            "sessionId": "sess-+255712345678", "serviceCode": "*152*00#",
            "phoneNumber": "+255712345678", "networkCode": "63902", "text": ""},
            headers={"X-Request-ID": "req-42"}, timeout=15)
        assert resp.status_code == 200 and resp.text.startswith("END ")   # the apology
        assert resp.headers["X-Request-ID"] == "req-42"
        made = requests.get(base + "/healthz", timeout=5).headers["X-Request-ID"]
        assert len(made) == 32                                            # one made here
    finally:
        server.terminate()
        server.wait(20)
        out.close()
    text = (tmp_path / "out.log").read_text()
    assert SECRET not in text and "712345678" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    hop = [x for x in lines if x["logger"] == "ussd.hop"]
    assert hop and hop[0]["level"] == "ERROR" and hop[0]["request_id"] == "req-42"
    assert "Redis" in hop[0]["message"] and "exc" in hop[0]
    access = [x for x in lines if x["logger"] == "gunicorn.access"]
    assert any("/ussd/africastalking?token=***" in x["message"] for x in access), access
