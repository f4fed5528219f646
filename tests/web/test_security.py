"""Login, roles, CSRF, rate limits, headers and error pages."""
from __future__ import annotations

import re

import sqlalchemy as sa

from builders import ticket
from triage.models import AuditEvent

SUPERVISOR_PAGES = ["/supervisor/", "/supervisor/team", "/supervisor/review", "/supervisor/replies", "/supervisor/export/backlog.csv"]


def test_only_login_and_healthz_are_open(client, app, session):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "ok"
    assert client.get("/login").status_code == 200
    for url in ["/", "/queue/rows", "/tickets/1", *SUPERVISOR_PAGES]:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    # A post needs the form's token before anything else; with the token a visitor without a
    # session gets from the login page, it goes to the login page and takes nothing.
    assert client.post("/take-next").status_code == 400
    t = ticket(session)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    for url in ["/take-next", f"/tickets/{t.id}/resolve"]:
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), (url, response.status_code)
    session.refresh(t)
    assert (t.status, t.assignee_id) == ("open", None)


def test_login_rejects_wrong_password_then_slows_the_pair(client, auth, agent, app):
    for _ in range(4):  # 3 free failures, the 4th starts a wait (tests/web/test_logins.py has the rest)
        assert auth.login("agen1", "wrong password!").status_code == 401
    slowed = auth.login("agen1")  # the right password, from the address that failed
    assert slowed.status_code == 429 and "Terlalu banyak percobaan" in slowed.get_data(as_text=True)


def test_agent_gets_403_on_supervisor_pages(client, auth, agent):
    auth.login("agen1")
    for url in SUPERVISOR_PAGES:
        assert client.get(url).status_code == 403, url
    assert auth.post("/supervisor/team", {"username": "x", "password": "0123456789"}).status_code == 403


def test_supervisor_opens_supervisor_pages(client, auth, supervisor):
    auth.login("supervisor1")
    for url in SUPERVISOR_PAGES:
        assert client.get(url).status_code == 200, url


def test_state_changes_need_the_csrf_token(client, auth, agent, session):
    t = ticket(session)
    auth.login("agen1")
    response = client.post(f"/tickets/{t.id}/resolve")  # no token
    assert response.status_code == 400
    session.refresh(t)
    assert t.status == "open"
    assert auth.post(f"/tickets/{t.id}/resolve", {"confirm": "1"}).status_code == 302
    session.refresh(t)
    assert t.status == "resolved"


def test_security_headers_and_cookie_flags(client, auth, agent, settings):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    login = auth.login("agen1")
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # tests run on http


def test_session_cookie_is_secure_by_default(tmp_path, database_url, engine):
    from builders import user
    from triage import create_app
    from triage.settings import Settings
    import sqlalchemy.orm as so

    with so.Session(engine) as s:
        user(s, "agen1")
    app = create_app(Settings(database_url=database_url, secret_key="k", instance_path=tmp_path / "i"))
    client = app.test_client()
    page = client.get("/login", base_url="https://triage.example")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    from builders import PASSWORD

    response = client.post(
        "/login",
        data={"username": "agen1", "password": PASSWORD, "csrf_token": token},
        base_url="https://triage.example",
        headers={"Referer": "https://triage.example/login"},  # CSRF over HTTPS also checks the referrer
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" in response.headers


def test_pages_have_no_inline_script_or_handlers(client, auth, supervisor, session):
    ticket(session)
    auth.login("supervisor1")
    for url in ["/", "/tickets/1", "/supervisor/", "/supervisor/team", "/login"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and " onload=" not in html and " style=" not in html, url


def test_errors_never_show_a_traceback(client, auth, agent, app, monkeypatch):
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    from triage.web import agent as views

    def boom(*a, **k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "_page", boom)
    auth.login("agen1")
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in body and "secret internals" not in body and "Terjadi kesalahan" in body
    assert client.get("/tickets/999999").status_code == 404


def test_reveal_shows_numbers_and_is_audited(client, auth, agent, session):
    t = ticket(session, "payment_account", text="nomor dana saya 081234567890 diganti")
    auth.login("agen1")
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "081234567890" not in html and "0812****7890" in html
    auth.post(f"/tickets/{t.id}/reveal")
    html = client.get(f"/tickets/{t.id}").get_data(as_text=True)
    assert "081234567890" in html
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "contact.revealed")).one()
    assert event.ticket_id == t.id and event.actor_id == agent.id


def test_language_switch_to_english(client, auth, agent):
    auth.login("agen1")
    assert "Ambil berikutnya" in client.get("/").get_data(as_text=True)
    auth.post("/language", {"lang": "en", "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert "Take next" in html and "Ambil berikutnya" not in html
    auth.post("/language", {"lang": "id", "next": "/"})
    assert "Ambil berikutnya" in client.get("/").get_data(as_text=True)


def test_login_redirect_is_same_site_only(client, agent):
    import re

    from builders import PASSWORD

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/login?next=//evil.example/x", data={"username": "agen1", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, auth, agent, session):
    auth.login("agen1")
    assert client.get("/").status_code == 200
    agent.active = False
    session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
