"""The queue as a workbench: one line per ticket with its due state, counts that refresh with
the rows, the newest-ticket figures behind the tab title, and saved views per user."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from builders import ticket, user
from triage import saved_views
from triage.models import SavedView, Ticket, utcnow
from triage.queue import DUE_FINE, DUE_OVERDUE, DUE_SOON, due_state
from triage.settings import PROJECT_ROOT, load_settings
from triage.web import cache

HOUR = timedelta(hours=1)
MICRO = timedelta(microseconds=1)


@pytest.fixture
def clock(monkeypatch):
    """The memo's clock (triage.web.cache), moved by hand: counts are cached for seconds."""
    now = [1_000.0]
    monkeypatch.setattr(cache, "monotonic", lambda: now[0])
    return now


def _due(session, t: Ticket, delta: timedelta) -> None:
    t.due_at = utcnow() + delta
    session.commit()


def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-ticket-id="(\d+)" data-due-state="(\w+)"', html)


def test_due_state_at_its_boundaries():
    now, soon = utcnow(), timedelta(minutes=60)
    assert due_state(now - MICRO, now, soon) == DUE_OVERDUE
    assert due_state(now, now, soon) == DUE_SOON  # due this instant: not yet late
    assert due_state(now + soon, now, soon) == DUE_SOON
    assert due_state(now + soon + MICRO, now, soon) == DUE_FINE
    assert due_state(now + MICRO, now, timedelta(0)) == DUE_FINE  # no "soon" window at 0 minutes


def test_due_soon_minutes_is_a_setting(tmp_path):
    env = {"TRIAGE_SECRET_KEY": "k", "TRIAGE_INSTANCE_PATH": str(tmp_path)}
    assert load_settings(env).due_soon_minutes == 60
    assert load_settings({**env, "TRIAGE_DUE_SOON_MINUTES": "15"}).due_soon_minutes == 15
    with pytest.raises(ValueError, match="TRIAGE_DUE_SOON_MINUTES"):
        load_settings({**env, "TRIAGE_DUE_SOON_MINUTES": "-1"})
    assert "TRIAGE_DUE_SOON_MINUTES=" in (PROJECT_ROOT / ".env.example").read_text()


def test_rows_carry_their_number_due_state_and_holder(client, auth, agent, session):
    late = ticket(session, author="late@example.com", text="lewat")
    soon = ticket(session, author="soon@example.com", text="sebentar lagi")
    fine = ticket(session, author="fine@example.com", text="masih lama")
    _due(session, late, -HOUR)
    _due(session, soon, timedelta(minutes=30))
    _due(session, fine, 3 * HOUR)
    auth.login("agen1")
    auth.post(f"/tickets/{soon.id}/claim")
    html = client.get("/").get_data(as_text=True)
    assert _rows(html) == [(str(late.id), "overdue"), (str(soon.id), "soon"), (str(fine.id), "fine")]
    assert f'<td class="num">#{late.id}</td>' in html
    holders = re.findall(r'<td class="assignee">([^<]*)</td>', html)
    assert holders == ["belum ada", "Agen Satu", "belum ada"]  # the holder's name, never the status word
    assert "terbuka</td>" not in html
    assert 'title="Insentif belum masuk: SLA 24 jam' in html  # the due reason as a tooltip, not a second line


def test_due_soon_window_follows_the_setting(app, client, auth, agent, session):
    t = ticket(session)
    _due(session, t, 2 * HOUR)
    auth.login("agen1")
    assert _rows(client.get("/").get_data(as_text=True)) == [(str(t.id), "fine")]
    app.config["SETTINGS"] = app.config["SETTINGS"].with_overrides(due_soon_minutes=180)
    assert _rows(client.get("/").get_data(as_text=True)) == [(str(t.id), "soon")]


def test_poll_refreshes_the_counts_with_the_rows(client, auth, agent, session, clock):
    ticket(session, author="a@example.com")
    auth.login("agen1")
    first = client.get("/queue/rows").get_data(as_text=True)
    assert re.search(r'<p class="counts" id="queue-counts" hx-swap-oob="true">\s*Terbuka: <strong id="count-open">1<', first)
    ticket(session, author="b@example.com")
    ticket(session, author="c@example.com")
    clock[0] += 6  # past the active counts' 5 s
    again = client.get("/queue/rows").get_data(as_text=True)
    assert 'id="count-open">3<' in again
    assert len(re.findall(r'<tr class="ticket', again)) == 3
    page = client.get("/").get_data(as_text=True)  # the full page: the counts in place, not out of band
    assert 'id="queue-counts">' in page and 'hx-swap-oob' not in page


def test_newest_ticket_and_new_since_last_look(client, auth, agent, session, clock):
    seen = ticket(session, author="a@example.com")
    auth.login("agen1")
    html = client.get("/queue/rows").get_data(as_text=True)
    assert f'data-newest-id="{seen.id}" data-new-count="0"' in html
    new = [ticket(session, author=f"n{i}@example.com") for i in range(3)]
    noise = ticket(session, "noise", author="spam@example.com", text="mantap")  # not work: not counted
    clock[0] += 6  # the newest id is kept 5 s, as the counts
    html = client.get(f"/queue/rows?seen={seen.id}").get_data(as_text=True)
    assert f'data-newest-id="{noise.id}" data-new-count="3"' in html
    html = client.get(f"/queue/rows?seen={new[-1].id}").get_data(as_text=True)
    assert 'data-new-count="0"' in html
    assert 'data-new-count="0"' in client.get("/queue/rows?seen=junk").get_data(as_text=True)
    assert 'data-new-count="0"' in client.get("/queue/rows?seen=99999999999999999999999").get_data(as_text=True)


# --- Saved views -------------------------------------------------------------------------

def _tabs(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="[^"]*"(?: aria-current="page")?>([^<]+) <span class="view-count">([^<]+)</span></a>', html)


def test_save_list_count_and_open_a_view(client, auth, agent, session, clock):
    for i in range(3):
        ticket(session, "registration", author=f"r{i}@example.com", text="cara daftar?")
    ticket(session, "missing_incentive", author="m@example.com")
    auth.login("agen1")
    saved = auth.post("/views", {"name": "  Pendaftaran   email ", "label": "registration", "channel": "email", "after": "x", "bogus": "1"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/?label=registration&channel=email"
    view = session.query(SavedView).one()
    assert (view.user_id, view.name, view.filters) == (agent.id, "Pendaftaran email", {"label": "registration", "channel": "email"})
    html = client.get("/").get_data(as_text=True)
    assert _tabs(html) == [("Pendaftaran email", "3")]
    assert "Tampilan “Pendaftaran email” disimpan." in html
    shown = client.get("/?label=registration&channel=email").get_data(as_text=True)
    assert 'class="view-tab current"' in shown and len(re.findall(r'<tr class="ticket', shown)) == 3
    ticket(session, "registration", author="r9@example.com", text="daftar lagi")
    clock[0] += 11  # past the views' counts' 10 s
    assert _tabs(client.get("/queue/rows").get_data(as_text=True)) == [("Pendaftaran email", "4")]  # the poll refreshes view counts


def test_view_names_are_checked_in_both_languages(client, auth, agent, session):
    auth.login("agen1")
    assert auth.post("/views", {"name": "Saya", "assignee": "me"}).status_code == 302
    refused = client.post("/views", data={"csrf_token": auth.token, "name": "saya"}, follow_redirects=True).get_data(as_text=True)
    assert "Anda sudah punya tampilan dengan nama ini" in refused
    too_long = client.post("/views", data={"csrf_token": auth.token, "name": "x" * 81}, follow_redirects=True).get_data(as_text=True)
    assert "Nama tampilan terlalu panjang: 81 karakter, paling banyak 80. Tampilan belum disimpan." in too_long
    client.post("/language", data={"csrf_token": auth.token, "lang": "en", "next": "/"})
    english = client.post("/views", data={"csrf_token": auth.token, "name": " "}, follow_redirects=True).get_data(as_text=True)
    assert "Give this view a name." in english
    assert session.query(SavedView).count() == 1


def test_a_user_keeps_at_most_twenty_views(session):
    me = user(session, "agen1")
    for i in range(saved_views.MAX_VIEWS):
        saved_views.save_view(session, me, f"v{i}", {"label": "registration"})
    session.commit()
    with pytest.raises(saved_views.SavedViewError) as refused:
        saved_views.save_view(session, me, "one more", {})
    assert refused.value.reason == saved_views.TOO_MANY
    assert [v.name for v in saved_views.views_of(session, me.id)] == [f"v{i}" for i in range(saved_views.MAX_VIEWS)]


def test_users_see_and_delete_only_their_own_views(client, auth, agent, session):
    other = user(session, "agen2", display_name="Agen Dua")
    theirs = saved_views.save_view(session, other, "Punya agen2", {"channel": "instagram"})
    session.commit()
    auth.login("agen1")
    auth.post("/views", {"name": "Punya saya", "channel": "email"})
    html = client.get("/").get_data(as_text=True)
    assert [name for name, _count in _tabs(html)] == ["Punya saya"] and "Punya agen2" not in html
    assert auth.post(f"/views/{theirs.id}/delete").status_code == 404
    mine = session.query(SavedView).filter_by(user_id=agent.id).one()
    assert auth.post(f"/views/{mine.id}/delete").status_code == 302
    session.expire_all()
    assert [v.name for v in session.query(SavedView)] == ["Punya agen2"]


def test_view_names_are_text(client, auth, agent, session):
    auth.login("agen1")
    auth.post("/views", {"name": '<img src=x onerror=alert(1)>'})
    html = client.get("/").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_view_list_rides_in_the_session_and_refreshes(client, auth, agent, session, monkeypatch):
    """The queue page reads the user's views from their session: saving or deleting here
    shows at once; a view saved from another browser shows within VIEW_LIST_SECONDS."""
    from triage.web import saved_views as web_views

    now = [5_000.0]
    monkeypatch.setattr(web_views.time, "time", lambda: now[0])
    auth.login("agen1")
    auth.post("/views", {"name": "Di sini", "channel": "email"})
    assert [n for n, _c in _tabs(client.get("/").get_data(as_text=True))] == ["Di sini"]
    saved_views.save_view(session, agent, "Dari HP", {"channel": "instagram"})  # another browser
    session.commit()
    assert [n for n, _c in _tabs(client.get("/").get_data(as_text=True))] == ["Di sini"]
    now[0] += web_views.VIEW_LIST_SECONDS + 1
    assert [n for n, _c in _tabs(client.get("/").get_data(as_text=True))] == ["Di sini", "Dari HP"]
    here = session.query(SavedView).filter_by(name="Di sini").one()
    assert auth.post(f"/views/{here.id}/delete").status_code == 302
    assert [n for n, _c in _tabs(client.get("/").get_data(as_text=True))] == ["Dari HP"]
