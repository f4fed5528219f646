"""Logins that end (issue 18, finding 3): logout, a password change, deactivation and a role
change end a user's logins on the server; log out everywhere; idle timeout; API tokens stay."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from builders import PASSWORD, user
from triage import users
from triage.models import AuditEvent, User, UserSession, utcnow
from web.conftest import csrf_token

COOKIE = "triage_session"


def logged_in(app, username: str, password: str = PASSWORD):
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302, response.status_code
    assert client.get("/").status_code == 200
    return client


def opens_queue(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200 and 'id="queue-live"' in response.get_data(as_text=True)


def replay(app, cookie: str):
    """A new browser holding a copy of a saved session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief


def test_a_cookie_saved_before_logout_no_longer_opens_the_queue(app, session):
    user(session, "agen1")
    client = logged_in(app, "agen1")
    saved = client.get_cookie(COOKIE).value
    assert opens_queue(replay(app, saved))  # the copy works while the login lasts
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    stale = replay(app, saved)
    assert not opens_queue(stale)
    assert stale.get("/").headers["Location"].startswith("/login")


def test_logout_ends_only_that_browsers_login(app, session):
    user(session, "agen1")
    first, second = logged_in(app, "agen1"), logged_in(app, "agen1")
    first.post("/logout", data={"csrf_token": csrf_token(first.get("/").get_data(as_text=True))})
    assert not opens_queue(first) and opens_queue(second)


def test_a_password_set_from_the_cli_ends_the_old_logins(app, runner, session, tmp_path):
    user(session, "agen1")
    user(session, "agen2")
    agent, colleague = logged_in(app, "agen1"), logged_in(app, "agen2")
    new = tmp_path / "pw"
    new.write_text("another long passphrase")
    assert runner.invoke(args=["users", "password", "agen1", "--password-file", str(new)]).exit_code == 0
    assert not opens_queue(agent)
    assert opens_queue(colleague)  # others keep theirs
    assert opens_queue(logged_in(app, "agen1", "another long passphrase"))


def test_deactivation_ends_the_logins(app, session):
    agent = user(session, "agen1")
    user(session, "supervisor1", "supervisor")
    browser, boss = logged_in(app, "agen1"), logged_in(app, "supervisor1")
    token = csrf_token(boss.get("/supervisor/team").get_data(as_text=True))
    boss.post(f"/supervisor/team/{agent.id}", data={"csrf_token": token, "active": "0"})
    assert not opens_queue(browser)
    ended = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.sessions_ended")).one()
    assert ended.detail == {"user": "agen1", "reason": "deactivated", "sessions": 1}
    # Reactivated, the old cookie still does not come back.
    boss.post(f"/supervisor/team/{agent.id}", data={"csrf_token": token, "active": "1"})
    assert not opens_queue(browser)


def test_a_role_change_ends_the_logins(app, session):
    agent = user(session, "agen1")
    admin = user(session, "admin1", "admin")
    browser = logged_in(app, "agen1")
    users.update_user(session, agent, admin, role="supervisor")
    session.commit()
    assert not opens_queue(browser)
    assert session.get(User, agent.id).role == "supervisor"


def test_only_an_admin_changes_a_role_and_never_their_own(session):
    agent = user(session, "agen1")
    boss = user(session, "supervisor1", "supervisor")
    admin = user(session, "admin1", "admin")
    for target, actor, reason in ((agent, boss, "only an admin"), (admin, admin, "your own role")):
        try:
            users.update_user(session, target, actor, role="supervisor")
        except users.UserError as exc:
            assert reason in str(exc)
        else:
            raise AssertionError("role change was allowed")
        session.rollback()


def test_log_out_everywhere_ends_every_browsers_login(app, session):
    user(session, "agen1")
    here, there = logged_in(app, "agen1"), logged_in(app, "agen1")
    page = here.get("/").get_data(as_text=True)
    assert 'action="/logout/everywhere"' in page
    assert here.post("/logout/everywhere", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert not opens_queue(here) and not opens_queue(there)


def test_a_supervisor_logs_an_agent_out_everywhere_but_not_an_admin(app, session):
    agent = user(session, "agen1")
    admin = user(session, "admin1", "admin")
    user(session, "supervisor1", "supervisor")
    browser, admins = logged_in(app, "agen1"), logged_in(app, "admin1")
    boss = logged_in(app, "supervisor1")
    team = boss.get("/supervisor/team").get_data(as_text=True)
    token = csrf_token(team)
    assert f'action="/supervisor/team/{agent.id}/logout"' in team
    assert f'action="/supervisor/team/{admin.id}/logout"' not in team  # the button only where allowed
    assert boss.post(f"/supervisor/team/{agent.id}/logout", data={"csrf_token": token}).status_code == 302
    assert not opens_queue(browser)
    refused = boss.post(f"/supervisor/team/{admin.id}/logout", data={"csrf_token": token}, follow_redirects=True)
    assert "Hanya admin yang bisa mengubah akun supervisor atau admin." in refused.get_data(as_text=True)
    assert opens_queue(admins)


def test_the_cli_logs_a_user_out_everywhere(app, runner, session):
    user(session, "agen1")
    browser = logged_in(app, "agen1")
    result = runner.invoke(args=["users", "logout", "agen1"])
    assert result.exit_code == 0 and result.output == "agen1: 1 logins ended\n"
    assert not opens_queue(browser)


def _age_login(session, minutes: int) -> None:
    session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
    session.commit()


def _last_seen(session):
    session.expire_all()
    return session.scalars(sa.select(UserSession.last_seen_at)).one()


def test_an_idle_login_ends(app, session):
    user(session, "agen1")
    browser = logged_in(app, "agen1")  # TRIAGE_SESSION_IDLE_MINUTES: 60 by default
    _age_login(session, 59)
    assert opens_queue(browser)  # a click within the hour keeps it
    assert _last_seen(session) > utcnow() - timedelta(minutes=1)
    _age_login(session, 61)
    assert not opens_queue(browser)
    assert session.scalars(sa.select(UserSession.ended_at)).one() is not None


def test_the_queues_own_polling_does_not_keep_a_login_alive(app, session):
    user(session, "agen1")
    browser = logged_in(app, "agen1")
    _age_login(session, 30)
    before = _last_seen(session)
    assert browser.get("/queue/rows").status_code == 200
    assert _last_seen(session) == before


def test_the_idle_time_is_a_setting(settings, engine, session):
    from triage import create_app

    user(session, "agen1")
    app = create_app(settings.with_overrides(session_idle_minutes=5))
    browser = logged_in(app, "agen1")
    _age_login(session, 6)
    assert not opens_queue(browser)


def test_api_tokens_outlive_logouts_but_not_deactivation(app, runner, session):
    agent = user(session, "agen1")
    admin = user(session, "admin1", "admin")
    token = users.create_api_token(session, agent, ["tickets:read"])
    session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    assert runner.invoke(args=["users", "logout", "agen1"]).exit_code == 0
    assert client.get("/api/v1/tickets", headers=bearer).status_code == 200
    users.update_user(session, agent, admin, active=False)
    session.commit()
    assert client.get("/api/v1/tickets", headers=bearer).status_code == 401
