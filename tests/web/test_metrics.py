"""``/metrics``: what a walk, its SMS and a failure show, read by Prometheus' own text parser.

The single-process scrape is read through the test client; the multi-process
one from a real gunicorn with two workers sharing ``PROMETHEUS_MULTIPROC_DIR``.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from bench.processes import Process, app_env, free_port, gunicorn_cmd
from tests.admin.conftest import login  # noqa: F401 - the fixture
from tests.reliability.phone import SUBMIT, Phone
from web import create_app

TOKEN = "scrape-token-for-tests"
CALLBACK = "a-callback-token-for-tests"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return samples(resp.get_data(as_text=True))


@pytest.fixture
def token(app, monkeypatch) -> str:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def test_a_submissions_commit_sends_its_sms_job_and_its_counts_in_one_round_trip(
        app, session, make_feedback, token, client, monkeypatch) -> None:
    """The commit's counts ride the SMS enqueue's pipeline to the same Redis, not one of
    their own; and they are counted all the same."""
    make_feedback(phone="0712000009")  # the directory entry and the scripts are warm now
    pipelines: list[list[str]] = []
    execute = redis.client.Pipeline.execute

    def counted(pipe: Any, *args: Any, **kwargs: Any) -> Any:
        pipelines.append([str(c[0][0]) for c in pipe.command_stack])
        return execute(pipe, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    make_feedback(phone="0712000010")
    assert len(pipelines) == 1 and "HINCRBY" in pipelines[0], pipelines
    assert scrape(client)[("mrejesho_submissions_total", (("channel", "sms"),))] == 2


def test_metrics_are_not_public(app, client, token, make_officer, login) -> None:  # noqa: F811
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    officer = login(make_officer(role="officer"))
    assert officer.get("/metrics").status_code == 403
    admin = login(make_officer(role="admin"))
    assert admin.get("/metrics").status_code == 200
    oversight = login(make_officer(role="oversight"))
    assert oversight.get("/metrics").status_code == 200


def test_a_walk_its_sms_and_the_queue_are_counted(app, client, token, run_jobs) -> None:
    phone = Phone(client, "+255714000001")
    screens = [phone.dial()] + [phone.send(v) for v in SUBMIT] + [phone.send("1")]
    assert re.search(r"\d{10}", screens[-1])
    before = scrape(client)
    con = sum(1 for body in screens if body.startswith("CON "))
    assert before[("mrejesho_ussd_hop_seconds_count", (("screen", "CON"),))] >= con
    assert before[("mrejesho_submissions_total", (("channel", "ussd"),))] == 1
    assert before[("mrejesho_sms_total", (("state", "queued"),))] == 1
    assert before[("mrejesho_queue_depth", ())] == 1               # the reference SMS waits
    assert before[("mrejesho_queue_oldest_seconds", ())] >= 0
    assert before[("mrejesho_overdue_feedback", ())] == 0
    assert before[("mrejesho_component_up", (("component", "redis"),))] == 1
    run_jobs()
    after = scrape(client)
    assert after[("mrejesho_sms_total", (("state", "sent"),))] == 1
    assert after[("mrejesho_queue_depth", ())] == 0


def test_redis_down_is_counted_and_shown(database_url) -> None:
    down = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                       "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens
                       "METRICS_TOKEN": TOKEN})
    client = down.test_client()
    assert Phone(client, "+255714000002").dial().startswith("END ")    # the apology
    found = scrape(client)
    assert found[("mrejesho_errors_total", (("component", "redis"),))] == 1
    assert found[("mrejesho_component_up", (("component", "redis"),))] == 0
    down.extensions["db"].engine.dispose()


def test_gunicorn_workers_are_summed_in_multiprocess_mode(app, database_url, redis_url,
                                                          tmp_path) -> None:
    port = free_port()
    env = app_env(database_url, redis_url, MREJESHO_METRICS_TOKEN=TOKEN,
                  MREJESHO_SMS_DISPATCH="false", PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
                  MREJESHO_CALLBACK_TOKEN=CALLBACK)  # production refuses to start without one
    server = Process(gunicorn_cmd(port, 2), env, tmp_path / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    try:
        server.start().wait_healthy(base)
        def hop(n: int) -> None:
            requests.post(base + f"/ussd/africastalking?token={CALLBACK}", data={
                "sessionId": f"mp-{n}", "serviceCode": "*152*00#",
                "phoneNumber": "+255714000003", "networkCode": "63902", "text": ""},
                timeout=10, headers={"Connection": "close"}).raise_for_status()

        def pids() -> set[str]:
            return {p.name.split("_")[-1] for p in tmp_path.glob("histogram_*.db")}

        # Concurrent batches until both workers have served: one sync worker busy sends the
        # next connection to the other, however the kernel spreads accepts on a loaded host.
        hops = 0
        with ThreadPoolExecutor(8) as pool:
            while hops < 400 and (hops == 0 or len(pids()) < 2):
                list(pool.map(hop, range(hops, hops + 40)))
                hops += 40
        resp = requests.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=10)
        assert resp.status_code == 200
        found = samples(resp.text)
        assert found[("mrejesho_ussd_hop_seconds_count", (("screen", "CON"),))] == hops
        assert len(pids()) == 2, pids()                  # two workers' files, one sum
    finally:
        server.stop()
