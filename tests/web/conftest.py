"""Web fixtures: a logged-in test client per role."""
from __future__ import annotations

import re

import pytest

from builders import PASSWORD, user


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Auth:
    def __init__(self, client) -> None:
        self.client = client
        self.token = ""

    def login(self, username: str, password: str = PASSWORD):
        page = self.client.get("/login")
        response = self.client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))})
        self.refresh()
        return response

    def refresh(self) -> None:
        page = self.client.get("/")
        if page.status_code == 200:
            self.token = csrf_token(page.get_data(as_text=True))

    def post(self, url: str, data: dict | None = None, **kw):
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw)


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def agent(session):
    return user(session, "agen1", "agent", display_name="Agen Satu")


@pytest.fixture
def supervisor(session):
    return user(session, "supervisor1", "supervisor", display_name="Supervisor Satu")
