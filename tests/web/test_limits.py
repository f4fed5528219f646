"""Limits of issue 18: a body over TRIAGE_MAX_REQUEST_BYTES is a 413 that says the limit; a text
field over its limit is refused with the limit and the length (never cut) and comes back in its
box; ids no row can have are 404 or 400, never a 500; the security headers are on every
response, error pages included."""
from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from builders import PASSWORD, surge, ticket, user
from triage import create_app, users
from triage.models import MAX_ID, OutboxReply, ReadyReply, Ticket, TicketGroup, User, utcnow
from triage.settings import Settings, load_settings
from triage.web.openapi import MAX_LIMIT

TEN_MB = 10 * 1024 * 1024


def _flash(html: str) -> str:
    return unescape(" ".join(re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html, re.S)))


def _box(html: str, name: str) -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no {name} box"
    return unescape(match.group(1))


def test_a_body_over_the_limit_is_a_413_page_that_says_the_limit_and_nothing_is_stored(client, auth, agent, session):
    t = ticket(session, channel="instagram", source_id="ig-1", author="budi_s", subject=None, raw_ref="https://www.instagram.com/p/X/c/1/")
    auth.login("agen1")
    response = auth.post(f"/tickets/{t.id}/answered", {"text": "x" * TEN_MB})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Kiriman terlalu besar" in page and "Kiriman paling besar 1 MB." in page
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxReply)) == 0
    auth.post("/language", {"lang": "en"})
    english = auth.post(f"/tickets/{t.id}/answered", {"text": "x" * TEN_MB}).get_data(as_text=True)
    assert "What was sent is too large" in english and "At most 1 MB can be sent." in english


def test_the_api_answers_a_body_over_the_limit_with_json(client, session, agent):
    token = users.create_api_token(session, agent, ["tickets:read", "tickets:write"])
    session.commit()
    response = client.post("/api/v1/take-next", data=b"x" * TEN_MB, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 413 and response.get_json()["status"] == 413


def test_the_limit_is_a_setting():
    assert load_settings({}).max_request_bytes == 1024 * 1024
    assert load_settings({"TRIAGE_MAX_REQUEST_BYTES": "2097152"}).max_request_bytes == 2 * 1024 * 1024


def test_an_answer_under_the_body_limit_but_over_its_field_limit_is_refused_and_kept(client, auth, agent, session):
    t = ticket(session, channel="instagram", source_id="ig-1", author="budi_s", subject=None, raw_ref="https://www.instagram.com/p/X/c/1/")
    auth.login("agen1")
    text = "Sudah kami cek." * 12_500  # 187,500 characters: under 1 MB, over the reply's 10,000
    page = auth.post(f"/tickets/{t.id}/answered", {"text": text}, follow_redirects=True).get_data(as_text=True)
    assert "Balasan terlalu panjang: 187.500 karakter, paling banyak 10.000." in _flash(page)
    assert _box(page, "text") == text and session.scalar(sa.select(sa.func.count()).select_from(OutboxReply)) == 0


def test_a_ready_reply_over_the_limit_is_refused_with_its_length_and_stays_in_its_box(client, auth, supervisor, session):
    auth.login("supervisor1")
    body = "Halo {name}, " + "x" * 10_000
    response = auth.post("/supervisor/replies/missing_incentive", {"body": body})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Jawaban siap pakai terlalu panjang: 10.013 karakter, paling banyak 10.000." in _flash(page)
    boxes = re.findall(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S)
    assert body in [unescape(b) for b in boxes]
    assert session.get(ReadyReply, "missing_incentive") is None  # nothing stored, nothing cut
    assert auth.post("/supervisor/replies/missing_incentive", {"body": body[:10_000]}).status_code == 302
    assert session.get(ReadyReply, "missing_incentive").body == body[:10_000]


def test_a_display_name_over_the_limit_is_refused_and_the_form_comes_back_filled(client, auth, supervisor, session):
    auth.login("supervisor1")
    name = "Nama " * 1000
    response = auth.post("/supervisor/team", {"username": "agen9", "display_name": name, "password": "kuda-laut-merah-2026",
                                              "role": "agent", "capacity": "4", "skills": ["registration"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nama tampilan terlalu panjang: 4.999 karakter, paling banyak 200." in _flash(page)
    assert 'name="username" required maxlength="64" value="agen9"' in page and f'value="{name}"' in page
    assert 'value="4"' in page and re.search(r'value="registration" checked', page)
    assert "kuda-laut-merah-2026" not in page  # never the password
    assert session.scalar(sa.select(User).where(User.username == "agen9")) is None


def test_a_group_answer_or_name_over_the_limit_is_refused_and_kept(client, auth, supervisor, session):
    ids = surge(session, 5, now=utcnow())
    group = session.get(TicketGroup, session.get(Ticket, ids[0]).group_id)
    auth.login("supervisor1")
    body = "Halo {name}. " + "y" * 10_000
    page = auth.post(f"/groups/{group.id}/preview", {"body": body, "resolve": "1"}).get_data(as_text=True)
    assert "Balasan terlalu panjang: 10.013 karakter, paling banyak 10.000." in _flash(page)
    assert _box(page, "body") == body
    name = "Insentif gelombang 48 " * 10  # 219 characters, one space kept between words
    response = auth.post(f"/groups/{group.id}/rename", {"name": name})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nama kelompok terlalu panjang: 219 karakter, paling banyak 200." in _flash(page)
    assert f'value="{name}"' in page
    session.expire_all()
    assert session.get(TicketGroup, group.id).name is None  # not cut to 200 and kept


ABSURD = ("99999999999999999999", str(MAX_ID + 1), "9" * 5000)


@pytest.fixture
def boss(session):
    made = user(session, "supervisor1", "supervisor")
    token = users.create_api_token(session, made, sorted(users.ROLE_SCOPES["supervisor"]))
    session.commit()
    return token


@pytest.mark.parametrize("absurd", ABSURD)
def test_every_route_with_an_id_is_a_404_for_an_id_no_row_can_have(app, client, auth, boss, session, absurd):
    ticket(session)
    auth.login("supervisor1")
    walked = []
    for rule in app.url_map.iter_rules():
        ids = {name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)}
        if not ids:
            continue
        values = {name: absurd if name in ids else "reply" for name in rule.arguments}  # "reply": the draft box
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            headers = {"Authorization": f"Bearer {boss}"} if path.startswith("/api/") else {}
            response = client.get(path, headers=headers) if method == "GET" else auth.post(path, headers=headers)
            assert response.status_code == 404, (method, path[:80], response.status_code)
            walked.append(rule.endpoint)
    assert {"agent.ticket", "api.get_ticket", "supervisor.team_update", "groups.answer", "attachments.download"} <= set(walked)


@pytest.mark.parametrize("absurd", ABSURD)
def test_ids_in_queries_and_forms_are_refused_or_ignored_never_a_500(client, auth, boss, session, absurd):
    t = ticket(session)
    ids = surge(session, 5, now=utcnow())
    group_id = session.get(Ticket, ids[0]).group_id
    auth.login("supervisor1")
    assert client.get(f"/?assignee={absurd}").status_code == 200  # no user has it: any assignee, as for other unknown values
    assert client.get(f"/queue/rows?assignee={absurd}&seen={absurd}").status_code == 200
    assert client.get(f"/?after=1763625600000000-{absurd}").status_code == 200  # not a cursor this queue gave: the first page
    assert client.get(f"/tickets/{t.id}/holder?seen={absurd}").status_code == 400
    api = client.get(f"/api/v1/tickets?assignee={absurd}", headers={"Authorization": f"Bearer {boss}"})
    assert api.status_code == 400 and api.get_json()["error"] == "assignee must be a user id or none"
    assert client.get(f"/api/v1/tickets?limit={absurd}", headers={"Authorization": f"Bearer {boss}"}).status_code in (200, 400)
    assert client.get(f"/api/v1/tickets?after=1763625600000000-{absurd}", headers={"Authorization": f"Bearer {boss}"}).status_code == 400
    for path, form, refusal in [
        (f"/tickets/{t.id}/merge", {"target": absurd}, "Tiket tujuan tidak ditemukan."),
        (f"/tickets/{t.id}/assign", {"user_id": absurd}, "Agen tidak ditemukan."),
        (f"/groups/{group_id}/assign", {"user_id": absurd}, "Pilih anggota tim yang aktif."),
        (f"/groups/{group_id}/bulk/assign", {"user_id": absurd}, "Pilih anggota tim yang aktif."),
        (f"/groups/{group_id}/merge", {"target": absurd}, "Kelompok tidak ditemukan."),
        (f"/groups/{group_id}/remove", {"ticket_id": absurd}, "Tiket ini tidak ada di kelompok mana pun."),
        ("/supervisor/team", {"username": "agen9", "password": "kuda-laut-merah-2026", "capacity": absurd}, None),
    ]:
        response = auth.post(path, form, follow_redirects=True)
        assert response.status_code in (200, 422), (path, response.status_code)
        if refusal:
            assert refusal in _flash(response.get_data(as_text=True)), path


@pytest.fixture
def secure_client(tmp_path, database_url, engine):
    app = create_app(Settings(database_url=database_url, secret_key="s", instance_path=tmp_path / "i", session_cookie_secure=True))
    app.config.update(PROPAGATE_EXCEPTIONS=False)
    return app, app.test_client()


def test_every_response_carries_the_security_headers_error_pages_included(secure_client, session, monkeypatch):
    app, plain = secure_client
    https = {"base_url": "https://localhost"}  # the Secure session cookie goes back over https only

    class client:
        get = staticmethod(lambda path, **kw: plain.get(path, **https, **kw))
        post = staticmethod(lambda path, **kw: plain.post(path, **https, **kw))

    user(session, "agen1")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    from triage.web import ops

    def broken(*args, **kwargs):
        raise RuntimeError("down")

    monkeypatch.setattr(ops.health, "check", broken)
    responses = {
        "page": page,
        "csrf": client.post("/login", data={"username": "agen1", "password": PASSWORD}),  # no token
        "413": client.post("/login", data={"csrf_token": token, "username": "x" * TEN_MB}),
        "404": client.get("/no-such-page"),
        "405": client.get("/logout"),
        "500": client.get("/healthz"),
        "api 401": client.get("/api/v1/tickets"),
        "api 413": client.post("/api/v1/take-next", data=b"x" * TEN_MB),
    }
    assert {name: r.status_code for name, r in responses.items()} == {
        "page": 200, "csrf": 400, "413": 413, "404": 404, "405": 405, "500": 500, "api 401": 401, "api 413": 413}
    for name, response in responses.items():
        headers = response.headers
        assert headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains", name
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), name
        assert (headers.get("X-Content-Type-Options"), headers.get("X-Frame-Options")) == ("nosniff", "DENY"), name
