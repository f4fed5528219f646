"""Login throttling through the login form (issue 18, findings 1 and 2): failures slow their own
(username, address) pair and their own address, never the team; unlock; trusted proxies."""
from __future__ import annotations

import sqlalchemy as sa

from builders import PASSWORD, user
from triage import create_app
from triage.models import AuditEvent, LoginAttempt
from web.conftest import csrf_token

ATTACKER, DESK_A, DESK_B = "198.51.100.66", "10.1.0.11", "10.1.0.12"


def login_from(client, addr: str, username: str, password: str = PASSWORD, headers: dict | None = None):
    """Post the login form from `addr` (the TCP peer the app sees) in this browser."""
    env = {"REMOTE_ADDR": addr}
    page = client.get("/login", environ_base=env, headers=headers or {})
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))},
        environ_base=env,
        headers=headers or {},
    )


def test_made_up_names_from_one_address_do_not_refuse_the_supervisors_and_admins(app, session):
    user(session, "supervisor1", "supervisor")
    user(session, "admin1", "admin")
    attacker = app.test_client()
    for n in range(20):
        assert login_from(attacker, ATTACKER, f"ghost{n}", "whatever-1234").status_code == 401
    # From another address: never refused.
    assert login_from(app.test_client(), DESK_A, "supervisor1").status_code == 302
    assert login_from(app.test_client(), DESK_B, "admin1").status_code == 302
    # From the same address too (an office behind one NAT): the address alone is slowed only
    # after TRIAGE_LOGIN_ADDRESS_FREE_FAILURES (30) failures.
    assert login_from(app.test_client(), ATTACKER, "supervisor1").status_code == 302


def test_an_address_past_its_free_failures_is_slowed_alone(app, session):
    user(session, "agen1")
    attacker = app.test_client()
    for n in range(31):
        assert login_from(attacker, ATTACKER, f"ghost{n}", "whatever-1234").status_code == 401
    slowed = login_from(app.test_client(), ATTACKER, "agen1")
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "30"
    assert login_from(app.test_client(), DESK_A, "agen1").status_code == 302


def test_wrong_passwords_for_an_agent_from_a_do_not_refuse_the_agent_from_b(app, session):
    user(session, "agen1")
    attacker = app.test_client()
    for _ in range(4):
        assert login_from(attacker, ATTACKER, "agen1", "wrong password!").status_code == 401
    refused = login_from(attacker, ATTACKER, "agen1", "wrong password!")
    assert refused.status_code == 429  # the 4th failure started a 30 s wait for that pair
    assert login_from(app.test_client(), DESK_A, "agen1").status_code == 302


def test_the_wait_is_said_in_the_readers_language_and_grows(app, session):
    user(session, "agen1")
    client = app.test_client()
    for _ in range(4):
        login_from(client, DESK_A, "agen1", "wrong password!")
    first = login_from(client, DESK_A, "agen1")
    assert first.status_code == 429 and first.headers["Retry-After"] == "30"
    assert "Coba lagi dalam 30 detik." in first.get_data(as_text=True)
    # One more failure (recorded as if the wait had passed) doubles it.
    with app.app_context():
        session.add(LoginAttempt(username="agen1", remote_addr=DESK_A, succeeded=False))
        session.commit()
    second = login_from(client, DESK_A, "agen1")
    assert second.headers["Retry-After"] == "60" and "Coba lagi dalam 1 menit." in second.get_data(as_text=True)
    english = app.test_client()
    english.get("/login?lang=en", environ_base={"REMOTE_ADDR": DESK_A})
    said = login_from(english, DESK_A, "agen1").get_data(as_text=True)
    assert "Try again in 1 minute." in said


def test_a_supervisor_unlocks_an_agent_from_the_team_page(app, session):
    user(session, "agen1", display_name="Agen Satu")
    user(session, "supervisor1", "supervisor")
    for _ in range(4):
        login_from(app.test_client(), DESK_A, "agen1", "wrong password!")
    assert login_from(app.test_client(), DESK_A, "agen1").status_code == 429
    boss = app.test_client()
    assert login_from(boss, DESK_B, "supervisor1").status_code == 302
    team = boss.get("/supervisor/team").get_data(as_text=True)
    assert "4 percobaan masuk gagal" in team
    agent_id = session.scalar(sa.text("SELECT id FROM users WHERE username = 'agen1'"))
    done = boss.post(f"/supervisor/team/{agent_id}/unlock", data={"csrf_token": csrf_token(team)})
    assert done.status_code == 302
    assert login_from(app.test_client(), DESK_A, "agen1").status_code == 302
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user.unlocked")).one()
    assert event.detail == {"user": "agen1", "failures": 4} and event.actor_id is not None


def test_an_agent_cannot_unlock(app, session):
    user(session, "agen1")
    other = user(session, "agen2")
    client = app.test_client()
    assert login_from(client, DESK_A, "agen1").status_code == 302
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post(f"/supervisor/team/{other.id}/unlock", data={"csrf_token": token}).status_code == 403


def test_the_cli_unlocks(app, runner, session):
    user(session, "agen1")
    for _ in range(4):
        login_from(app.test_client(), DESK_A, "agen1", "wrong password!")
    result = runner.invoke(args=["users", "unlock", "agen1"])
    assert result.exit_code == 0 and result.output == "agen1: 4 failed logins forgotten\n"
    assert login_from(app.test_client(), DESK_A, "agen1").status_code == 302


def _addresses(session) -> list[str]:
    session.expire_all()
    return session.scalars(sa.select(LoginAttempt.remote_addr).order_by(LoginAttempt.id)).all()


def test_behind_one_trusted_proxy_the_client_address_counts(settings, engine, session):
    user(session, "agen1")
    app = create_app(settings.with_overrides(proxy_hops=1))
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    for _ in range(5):
        login_from(app.test_client(), "10.0.0.1", "agen1", "wrong password!", headers=forwarded)
    assert _addresses(session) == ["203.0.113.9"] * 4  # the 5th was slowed, not recorded
    # Another participant behind the same load balancer is not slowed.
    assert login_from(app.test_client(), "10.0.0.1", "agen1", headers={"X-Forwarded-For": "203.0.113.10"}).status_code == 302


def test_without_proxies_a_forwarded_header_is_ignored(settings, engine, session):
    user(session, "agen1")
    app = create_app(settings)  # TRIAGE_PROXY_HOPS=0, the default
    login_from(app.test_client(), "10.0.0.1", "agen1", "wrong password!", headers={"X-Forwarded-For": "203.0.113.9"})
    assert _addresses(session) == ["10.0.0.1"]


def test_two_hops_take_the_address_two_back(settings, engine, session):
    user(session, "agen1")
    app = create_app(settings.with_overrides(proxy_hops=2))
    # The client could have sent its own X-Forwarded-For: only the last two hops are trusted.
    headers = {"X-Forwarded-For": "1.1.1.1, 203.0.113.9, 10.9.9.9"}
    login_from(app.test_client(), "10.0.0.1", "agen1", "wrong password!", headers=headers)
    assert _addresses(session) == ["203.0.113.9"]
