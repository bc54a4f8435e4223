"""Admin fixtures: a logged-in test client per officer, and the CSRF token of a page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import CHROMIUM, PASSWORD

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token(client: Any, path: str = "/admin/login") -> str:
    found = TOKEN.search(client.get(path).get_data(as_text=True))
    assert found, path
    return found.group(1)


def post(client: Any, path: str, data: dict[str, Any] | None = None,
         page: str = "/admin/walk-in") -> Any:
    """POST with a valid CSRF token taken from ``page``."""
    return client.post(path, data={**(data or {}), "csrf_token": token(client, page)})


@pytest.fixture
def login(app: Any) -> Callable[..., Any]:
    def make(officer: Any, password: str = PASSWORD) -> Any:
        client = app.test_client()
        resp = client.post("/admin/login", data={
            "email": officer.email, "password": password, "csrf_token": token(client)})
        assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
        return client
    return make


@pytest.fixture
def admin_page() -> Iterator[Any]:
    """A page in a real headless Chromium that records console and page errors."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        page.errors = errors
        yield page
        context.close()
        browser.close()
