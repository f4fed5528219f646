"""Every supervisor form refuses a post without its CSRF token, and takes the same post with it.

The forms are found on the pages that show them (by their fields, not their URLs), so a form
that moves to another route is still tested, and each post is a valid one: only the token
decides between "refused, nothing changed" and "done".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable

import pytest
import sqlalchemy as sa

from builders import PASSWORD, ticket
from triage import claims, replies
from triage.models import Ticket, User

CSRF_REFUSED = "Sesi formulir kedaluwarsa"


@dataclass
class Form:
    action: str
    fields: set[str] = field(default_factory=set)
    form_id: str = ""
    row: str = ""  # the data-user of the table row holding the form


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.row = ""
        self.open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.row = a.get("data-user") or ""
        elif tag == "form" and (a.get("method") or "").lower() == "post":
            self.open = Form(a.get("action") or "", form_id=a.get("id") or "", row=self.row)
            self.forms.append(self.open)
        elif self.open is not None and a.get("name"):
            self.open.fields.add(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.open = None


def _form(client, page: str, wanted: Callable[[Form], bool]) -> Form:
    response = client.get(page)
    assert response.status_code == 200, page
    parser = _Forms()
    parser.feed(response.get_data(as_text=True))
    found = [f for f in parser.forms if wanted(f)]
    assert len(found) == 1, (page, parser.forms)
    assert "csrf_token" in found[0].fields  # the page itself sends the token
    return found[0]


@dataclass
class Case:
    page: Callable[[dict], str]
    wanted: Callable[[Form], bool]
    data: Callable[[dict], dict]
    done: Callable[[object, dict], bool]  # (session, ids) -> whether the post took effect


def _member(s, username: str) -> User | None:
    return s.scalar(sa.select(User).where(User.username == username))


REPLY = "Halo {name}, insentif Anda sedang kami periksa. Salam, {agent}."

CASES = {
    "auto-assign mode": Case(
        page=lambda ids: "/supervisor/team",
        wanted=lambda f: "mode" in f.fields,
        data=lambda ids: {"mode": "round_robin"},
        done=lambda s, ids: claims.auto_assign_mode(s, "off") == "round_robin",
    ),
    "add a member": Case(
        page=lambda ids: "/supervisor/team",
        wanted=lambda f: f.form_id == "add-member",
        data=lambda ids: {"username": "agen9", "password": PASSWORD, "role": "agent", "capacity": "5"},
        done=lambda s, ids: _member(s, "agen9") is not None,
    ),
    "a member's skills and capacity": Case(
        page=lambda ids: "/supervisor/team",
        wanted=lambda f: f.row == "agen1" and "skills" in f.fields,
        data=lambda ids: {"skills": "registration", "capacity": "7", "on_shift": "1"},
        done=lambda s, ids: _member(s, "agen1").capacity == 7,
    ),
    "deactivate a member": Case(
        page=lambda ids: "/supervisor/team",
        wanted=lambda f: f.row == "agen1" and "active" in f.fields,
        data=lambda ids: {"active": "0"},
        done=lambda s, ids: _member(s, "agen1").active is False,
    ),
    "a ready reply": Case(
        page=lambda ids: "/supervisor/replies",
        wanted=lambda f: "body" in f.fields and f.action.rstrip("/").endswith("missing_incentive"),
        data=lambda ids: {"body": REPLY},
        done=lambda s, ids: replies.ready_replies(s)["missing_incentive"] == REPLY,
    ),
    "assign a ticket to an agent": Case(
        page=lambda ids: f"/tickets/{ids['ticket']}",
        wanted=lambda f: "user_id" in f.fields,
        data=lambda ids: {"user_id": str(ids["agent"])},
        done=lambda s, ids: s.get(Ticket, ids["ticket"]).assignee_id == ids["agent"],
    ),
}


@pytest.fixture
def team(session, supervisor, agent):
    t = ticket(session)
    return {"ticket": t.id, "agent": agent.id, "supervisor": supervisor.id}


@pytest.mark.parametrize("name", list(CASES))
def test_a_supervisor_form_without_its_csrf_token_is_refused(client, auth, sessionmaker, team, name):
    case = CASES[name]
    auth.login("supervisor1")
    form = _form(client, case.page(team), case.wanted)

    refused = client.post(form.action, data=case.data(team))  # what a forged cross-site post sends
    assert refused.status_code == 400 and CSRF_REFUSED in refused.get_data(as_text=True)
    with sessionmaker() as s:
        assert not case.done(s, team)

    forged = client.post(form.action, data={**case.data(team), "csrf_token": "not-the-token"})
    assert forged.status_code == 400 and CSRF_REFUSED in forged.get_data(as_text=True)

    accepted = auth.post(form.action, case.data(team))
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    with sessionmaker() as s:
        assert case.done(s, team)

