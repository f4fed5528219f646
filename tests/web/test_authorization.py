"""Authorization gaps of issue 18: merging touches two tickets, so both must be the agent's to
change; a merge into a closed case opens it for whoever works the active one; only admins
change supervisors' and admins' accounts."""
from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from builders import ticket, user
from triage import claims, tickets, users
from triage.models import Message, Ticket, User


def _flash(response) -> str:
    return unescape(" ".join(re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)))


@pytest.fixture
def colleague(session):
    return user(session, "agen2", "agent", display_name="Agen Dua")


@pytest.fixture
def pair(session):
    """Two tickets of two people: `mine` to fold into `theirs`."""
    mine = ticket(session, author="Budi <budi@example.com>", source_id="<budi-1@example.com>", text="Insentif saya belum masuk")
    theirs = ticket(session, author="Sari <sari@example.com>", source_id="<sari-1@example.com>", text="Insentif belum cair")
    return mine, theirs


def test_an_agent_cannot_merge_into_a_ticket_a_colleague_holds(client, auth, agent, colleague, pair, session):
    mine, theirs = pair
    claims.claim(session, theirs, colleague)
    claims.claim(session, mine, agent)
    session.commit()
    auth.login("agen1")
    response = auth.post(f"/tickets/{mine.id}/merge", {"target": str(theirs.id)}, follow_redirects=True)
    assert response.request.path == f"/tickets/{mine.id}"
    assert f"Tidak digabung: tiket #{theirs.id} sedang ditangani oleh Agen Dua sejak" in _flash(response)
    session.expire_all()
    assert session.get(Ticket, mine.id).merged_into_id is None
    assert session.scalar(sa.select(sa.func.count()).select_from(Message).where(Message.ticket_id == mine.id)) == 1
    assert (session.get(Ticket, theirs.id).assignee_id, session.get(Ticket, theirs.id).message_count) == (colleague.id, 1)
    auth.post("/language", {"lang": "en"})
    english = auth.post(f"/tickets/{mine.id}/merge", {"target": str(theirs.id)}, follow_redirects=True)
    assert f"Not merged: ticket #{theirs.id} is being handled by Agen Dua since" in _flash(english)


def test_a_supervisor_may_still_merge_into_a_held_ticket(client, auth, supervisor, colleague, pair, session):
    mine, theirs = pair
    claims.claim(session, theirs, colleague)
    session.commit()
    auth.login("supervisor1")
    response = auth.post(f"/tickets/{mine.id}/merge", {"target": str(theirs.id)})
    assert response.headers["Location"] == f"/tickets/{theirs.id}"
    session.expire_all()
    assert session.get(Ticket, mine.id).merged_into_id == theirs.id
    assert session.get(Ticket, theirs.id).assignee_id == colleague.id  # still theirs


def test_merging_a_held_ticket_into_a_resolved_case_opens_it_for_the_agent_not_the_old_holder(client, auth, agent, colleague, pair, session):
    mine, theirs = pair
    claims.claim(session, theirs, colleague)
    tickets.resolve(session, theirs, colleague)
    claims.claim(session, mine, agent)
    session.commit()
    auth.login("agen1")
    assert auth.post(f"/tickets/{mine.id}/merge", {"target": str(theirs.id)}).headers["Location"] == f"/tickets/{theirs.id}"
    session.expire_all()
    case = session.get(Ticket, theirs.id)
    assert (case.status, case.assignee_id, case.resolved_at) == ("claimed", agent.id, None)
    assert case.claimed_at is not None and case.message_count == 2
    assert claims.allowed(case, agent).change  # the agent goes on working the person's case
    assert "sedang ditangani oleh" not in client.get(f"/tickets/{theirs.id}").get_data(as_text=True)


def test_merging_a_queued_ticket_into_a_resolved_case_puts_the_case_back_in_the_queue(session, agent, colleague, pair):
    mine, theirs = pair
    claims.claim(session, theirs, colleague)
    tickets.resolve(session, theirs, colleague)
    tickets.merge(session, mine, theirs, agent)
    session.commit()
    case = session.get(Ticket, theirs.id)
    assert (case.status, case.assignee_id, case.claimed_at, case.resolved_at) == ("open", None, None, None)


@pytest.fixture
def team(session):
    return {
        "admin": user(session, "admin1", "admin", display_name="Admin Satu"),
        "boss": user(session, "supervisor1", "supervisor", display_name="Supervisor Satu"),
        "other_boss": user(session, "supervisor2", "supervisor", display_name="Supervisor Dua"),
        "agent": user(session, "agen1", "agent", display_name="Agen Satu"),
    }


@pytest.mark.parametrize("member", ["admin", "other_boss"])
@pytest.mark.parametrize("form", [
    {"skills": ["registration"], "capacity": "1"},
    {"capacity": "99", "on_shift": "1"},
    {"active": "0"},
])
def test_a_supervisor_cannot_change_an_admin_or_another_supervisor(client, auth, team, session, member, form):
    target = team[member]
    before = (list(target.skills), target.capacity, target.on_shift, target.active)
    auth.login("supervisor1")
    response = auth.post(f"/supervisor/team/{target.id}", form, follow_redirects=True)
    assert "Hanya admin yang bisa mengubah akun supervisor atau admin." in _flash(response)
    session.expire_all()
    changed = session.get(User, target.id)
    assert (changed.skills, changed.capacity, changed.on_shift, changed.active) == before


def test_a_supervisor_changes_agents_and_their_own_settings_an_admin_changes_anyone(client, auth, team, session):
    auth.login("supervisor1")
    auth.post(f"/supervisor/team/{team['agent'].id}", {"skills": ["registration"], "capacity": "3"})
    auth.post(f"/supervisor/team/{team['boss'].id}", {"capacity": "2", "on_shift": "1"})
    page = client.get("/supervisor/team").get_data(as_text=True)
    # The rows the supervisor may not change carry no form to change them.
    assert f'action="/supervisor/team/{team["admin"].id}"' not in page and f'action="/supervisor/team/{team["other_boss"].id}"' not in page
    assert f'action="/supervisor/team/{team["agent"].id}"' in page
    session.expire_all()
    assert (session.get(User, team["agent"].id).skills, session.get(User, team["agent"].id).capacity) == (["registration"], 3)
    assert (session.get(User, team["boss"].id).capacity, session.get(User, team["boss"].id).on_shift) == (2, True)
    client.post("/logout", data={"csrf_token": auth.token})
    auth.login("admin1")
    auth.post(f"/supervisor/team/{team['other_boss'].id}", {"capacity": "7"})
    session.expire_all()
    assert session.get(User, team["other_boss"].id).capacity == 7


def test_the_rule_holds_in_the_service_too(session, team):
    with pytest.raises(users.UserError, match="only an admin"):
        users.update_user(session, team["admin"], team["boss"], capacity=9)
    session.rollback()
    assert users.may_change(team["admin"], team["boss"]) and not users.may_change(team["boss"], team["other_boss"])
